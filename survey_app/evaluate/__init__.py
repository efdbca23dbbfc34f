"""The evaluators' workspace (``/evaluate/…``): self-assessment, appraisal, the index and its
reports, for evaluators (appraise and publish), unit officers (their unit's self-assessment and
results), administrators (all) and survey staff (read).

Logic and pages are kept apart:

* ``self_scores`` and ``figures``: self-scores (web form, CSV/XLSX import and templates) and
  imported statistics, each import all or nothing;
* ``decisions``: appraisal decisions (append-only) and requests for reconsideration;
* ``publication`` and ``published``: publishing the index (``survey_app.index_service``
  computes it) and reading the published results for the reports; ``charts`` draws them;
* ``views_*``: the routes of each part, on ``survey_app.evaluate.blueprint.bp``.

Importing this package registers nothing; :func:`init_app` imports the views and registers the
blueprint.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask

VIEW_MODULES: tuple[str, ...] = (
    "views_home",
    "views_self",
    "views_appraisal",
    "views_index",
    "views_reports",
)
"""The modules holding the blueprint's routes."""


def init_app(app: Flask) -> None:
    """Register the ``evaluate`` blueprint with its routes, menu entries and round panel."""
    from survey_app.evaluate.blueprint import bp

    for name in VIEW_MODULES:
        import_module(f"{__name__}.{name}")
    app.register_blueprint(bp)
