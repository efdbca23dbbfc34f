"""The index of a round: what it is computed from, a preview computed now (checked against the
published snapshot, naming every part that differs), and publishing it (evaluators)."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import func, select

from analysis.index.snapshot import Difference
from questionnaires.scheme import Scheme, SourceKind
from survey_app.auth import READERS, current_account, roles_required
from survey_app.evaluate.blueprint import bp, scored_round_or_404
from survey_app.evaluate.forms import PublishForm
from survey_app.evaluate.publication import (
    comparison_for,
    publish,
    published_snapshot,
    results_document,
)
from survey_app.evaluate.published import Published
from survey_app.evaluate.views_home import unit_progress
from survey_app.i18n import current_language
from survey_app.index_service import (
    DEFAULT_REPLICATES,
    ComputedIndex,
    IndexNotReady,
    compute_round_index,
    evaluated_units,
    responses_left_out,
    verify_published,
)
from survey_app.models import FrameCell, Response, Role, Round, RoundUnit, StatisticValue, db

PUBLISHING = (Role.ADMIN, Role.EVALUATOR)
"""Who publishes the index."""


def part_label(part: str) -> str:
    """The name of a snapshot part (``input self_scores`` …) in the reader's language."""
    kind, _, name = part.partition(" ")
    names: dict[str, str] = {
        "code version": gettext("The code of the index engine"),
        "round": gettext("The scheme or the year"),
        "definition scheme": gettext("The scheme file"),
        "input responses": gettext("Survey responses"),
        "input weights": gettext("Survey weights"),
        "input frame": gettext("Sampling frame"),
        "input margins": gettext("Population margins"),
        "input self_scores": gettext("Self-scores"),
        "input appraisal": gettext("Appraisal decisions"),
        "input statistics": gettext("Statistics"),
        "result units": gettext("Results: indices, ranks and bands"),
        "result nodes": gettext("Results: points and sub-indices"),
    }
    if part in names:
        return names[part]
    if kind == "definition" and name.startswith("questionnaire:"):
        label: str = gettext("Questionnaire %(id)s", id=name.removeprefix("questionnaire:"))
        return label
    return part


def _inputs(round_: Round, scheme: Scheme) -> dict[str, int]:
    """Counts of what the index is computed from."""
    units = evaluated_units(round_)
    progress = unit_progress(round_, units)
    evaluated = select(RoundUnit.unit_id).where(RoundUnit.round_id == round_.id)
    return {
        "units": len(units),
        "expected": len(units) * len(scheme.leaves(SourceKind.APPRAISAL)),
        "entered": sum(p.entered for p in progress),
        "decided": sum(p.decided for p in progress),
        "requests": sum(p.requests for p in progress),
        "figures_expected": len(units) * len(scheme.leaves(SourceKind.STATISTIC)),
        "figures": db.session.scalar(
            select(func.count()).where(StatisticValue.round_id == round_.id)
        )
        or 0,
        "survey_leaves": len(scheme.leaves(SourceKind.SURVEY)),
        "responses": db.session.scalar(
            select(func.count()).where(
                Response.round_id == round_.id, Response.unit_id.in_(evaluated)
            )
        )
        or 0,
        "left_out": responses_left_out(round_),
        "cells": db.session.scalar(select(func.count()).where(FrameCell.round_id == round_.id))
        or 0,
    }


@bp.get("/rounds/<int:round_id>/index")
@roles_required(*READERS)
def index(round_id: int) -> ResponseReturnValue:
    """The round's index: its inputs, the published snapshot, and the compute button."""
    round_, scheme = scored_round_or_404(round_id)
    return render_template(
        "evaluate/index.html",
        round_=round_,
        scheme=scheme,
        inputs=_inputs(round_, scheme),
        published=published_snapshot(round_),
        replicates=_replicates(),
    )


def _replicates() -> int:
    """Bootstrap replicates for the rank intervals (``INDEX_REPLICATES``)."""
    return int(current_app.config.get("INDEX_REPLICATES", DEFAULT_REPLICATES))


@bp.get("/rounds/<int:round_id>/index/preview")
@roles_required(*READERS)
def index_preview(round_id: int) -> ResponseReturnValue:
    """The index computed now from the stored data, checked against the published snapshot."""
    round_, scheme = scored_round_or_404(round_id)
    published = published_snapshot(round_)
    started = time.perf_counter()
    computed: ComputedIndex | None = None
    problems: list[str] = []
    differences: list[Difference] = []
    try:
        computed = compute_round_index(round_, replicates=_replicates())
    except IndexNotReady as error:
        problems = error.problems
    if computed is not None and published is not None:
        differences = verify_published(published, computed)
    preview = None
    if computed is not None:
        document = results_document(computed, comparison_for(round_, computed))
        preview = Published(document, current_language())
    return render_template(
        "evaluate/preview.html",
        round_=round_,
        scheme=scheme,
        preview=preview,
        problems=problems,
        published=published,
        differences=differences,
        part_label=part_label,
        seconds=time.perf_counter() - started,
        form=PublishForm(),
        can_publish=current_account().role in PUBLISHING,
    )


@bp.post("/rounds/<int:round_id>/index/publish")
@roles_required(*PUBLISHING)
def index_publish(round_id: int) -> ResponseReturnValue:
    """Compute the index again and publish it: the snapshot the reports show from now on."""
    round_, _scheme = scored_round_or_404(round_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(gettext("The index was not published: reload the preview and try again."), "error")
        return redirect(url_for("evaluate.index_preview", round_id=round_.id))
    try:
        computed = compute_round_index(round_, replicates=_replicates())
    except IndexNotReady as error:
        flash(
            gettext(
                "The index cannot be published: %(problems)s", problems=" ".join(error.problems)
            ),
            "error",
        )
        return redirect(url_for("evaluate.index_preview", round_id=round_.id))
    publish(
        round_,
        computed,
        comparison_for(round_, computed),
        current_account(),
        (form.note.data or "").strip(),
    )
    db.session.commit()
    flash(gettext("The index is published."), "success")
    return redirect(url_for("evaluate.ranking", round_id=round_.id))
