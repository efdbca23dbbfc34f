"""Self-assessment pages: a unit's web form, the round's self-score import with its templates,
and the statistics import (evaluators)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from analysis.index.numbers import parse_number
from analysis.selfassessment import TEMPLATE_COLUMNS
from questionnaires.scheme import Scheme, SourceKind
from survey_app.auth import ALL_ROLES, current_account, roles_required
from survey_app.evaluate.blueprint import (
    bp,
    round_unit_or_404,
    scored_round_or_404,
    visible_units,
)
from survey_app.evaluate.figures import (
    TEMPLATE,
    indicators,
    read_figures,
    save_figures,
    stored_figures,
)
from survey_app.evaluate.figures import template_rows as figure_template_rows
from survey_app.evaluate.forms import field_name, self_assessment_form
from survey_app.evaluate.self_scores import (
    ScoreEntry,
    appraised_keys,
    read_upload,
    save_scores,
    stored_scores,
    template_rows,
)
from survey_app.evaluate.views_home import unit_progress
from survey_app.formatting import plain
from survey_app.i18n import current_language
from survey_app.models import Role, Round, Unit, db
from survey_app.staff.forms import UploadForm
from survey_app.staff.tables import MIMETYPES, ImportRefused, file_hash, write_table

ENTERING = (Role.ADMIN, Role.EVALUATOR, Role.UNIT_OFFICER)
"""Who enters and imports self-scores."""

APPRAISING = (Role.ADMIN, Role.EVALUATOR)
"""Who imports statistics (and appraises)."""


def _download(data: bytes, name: str, file_format: str) -> Response:
    """A file download."""
    return Response(
        data,
        mimetype=MIMETYPES[file_format],
        headers={"Content-Disposition": f"attachment; filename={name}.{file_format}"},
    )


def _upload(form: UploadForm) -> tuple[bytes, str]:
    """The uploaded file's bytes and name."""
    upload: FileStorage = form.file.data
    return upload.read(), upload.filename or ""


# --- the round's self-scores -----------------------------------------------------------------


def _scores_page(
    round_: Round, scheme: Scheme, form: UploadForm, problems: ImportRefused | None = None
) -> str:
    """The self-score import page (with a refused import's problems)."""
    return render_template(
        "evaluate/self_scores.html",
        round_=round_,
        scheme=scheme,
        leaves=len(scheme.leaves(SourceKind.APPRAISAL)),
        progress=unit_progress(round_, visible_units(round_)),
        form=form,
        problems=problems.problems if problems else [],
        columns=TEMPLATE_COLUMNS,
        can_enter=current_account().role in ENTERING,
    )


@bp.get("/rounds/<int:round_id>/self-scores")
@roles_required(*ALL_ROLES)
def self_scores(round_id: int) -> ResponseReturnValue:
    """The round's self-scores per unit, the import form and the templates."""
    round_, scheme = scored_round_or_404(round_id)
    return _scores_page(round_, scheme, UploadForm())


@bp.post("/rounds/<int:round_id>/self-scores/import")
@roles_required(*ENTERING)
def self_scores_import(round_id: int) -> ResponseReturnValue:
    """Import self-scores from a file, all or nothing."""
    round_, scheme = scored_round_or_404(round_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _scores_page(round_, scheme, form)
    data, filename = _upload(form)
    try:
        entries = read_upload(round_, scheme, visible_units(round_), data, filename)
    except ImportRefused as refused:
        return _scores_page(round_, scheme, form, refused)
    changed = save_scores(round_, entries, source_hash=file_hash(data), action="self_scores.import")
    db.session.commit()
    flash(
        gettext(
            "%(rows)d self-scores read, %(changed)d new or changed.",
            rows=len(entries),
            changed=changed,
        ),
        "success",
    )
    return redirect(url_for("evaluate.self_scores", round_id=round_.id))


@bp.get("/rounds/<int:round_id>/self-scores/template.<file_format>")
@roles_required(*ALL_ROLES)
def self_scores_template(round_id: int, file_format: str) -> ResponseReturnValue:
    """The self-score template of the scheme and the visible units, scores entered so far
    filled in."""
    round_, scheme = scored_round_or_404(round_id)
    if file_format not in MIMETYPES:
        abort(404)
    rows = template_rows(round_, scheme, visible_units(round_), current_language())
    data = write_table(TEMPLATE_COLUMNS, rows, file_format)
    return _download(data, f"{round_.code}-self-scores", file_format)


# --- one unit's form -------------------------------------------------------------------------


def _form_page(round_: Round, scheme: Scheme, unit: Unit, form: object) -> str:
    """A unit's self-assessment form, grouped by field."""
    fixed = {code for unit_id, code in appraised_keys(round_, [unit]) if unit_id == unit.id}
    leaves = scheme.leaves(SourceKind.APPRAISAL)
    fields = [
        (field_node, [leaf for leaf in leaves if _field_of(scheme, leaf.code) == field_node.code])
        for field_node in scheme.nodes.values()
        if field_node.parent is None
    ]
    return render_template(
        "evaluate/self_assessment.html",
        round_=round_,
        scheme=scheme,
        unit=unit,
        form=form,
        fields=[(node, group) for node, group in fields if group],
        fixed=fixed,
        field_name=field_name,
        can_enter=current_account().role in ENTERING,
    )


def _field_of(scheme: Scheme, code: str) -> str:
    """The field a node lies in."""
    node = scheme.node(code)
    while node.parent is not None:
        node = scheme.node(node.parent)
    return node.code


def _stored_data(round_: Round, unit: Unit, scheme: Scheme) -> dict[str, str]:
    """The form's values from the stored self-scores."""
    data = {}
    for (_, code), row in stored_scores(round_, [unit]).items():
        data[f"score_{field_name(code)}"] = plain(row.self_score)
        data[f"note_{field_name(code)}"] = row.note
    return data


@bp.get("/rounds/<int:round_id>/units/<int:unit_id>/self-assessment")
@roles_required(*ALL_ROLES)
def self_assessment(round_id: int, unit_id: int) -> ResponseReturnValue:
    """A unit's self-scores on every appraisal criterion, as a form."""
    round_, scheme = scored_round_or_404(round_id)
    unit = round_unit_or_404(round_, unit_id)
    form = self_assessment_form(
        scheme.leaves(SourceKind.APPRAISAL),
        current_language(),
        data=_stored_data(round_, unit, scheme),
    )
    return _form_page(round_, scheme, unit, form)


@bp.post("/rounds/<int:round_id>/units/<int:unit_id>/self-assessment")
@roles_required(*ENTERING)
def self_assessment_save(round_id: int, unit_id: int) -> ResponseReturnValue:
    """Save a unit's self-scores (blank scores stay unscored; appraised ones stay as they are)."""
    round_, scheme = scored_round_or_404(round_id)
    unit = round_unit_or_404(round_, unit_id)
    leaves = scheme.leaves(SourceKind.APPRAISAL)
    fixed = {code for _, code in appraised_keys(round_, [unit])}
    stored = _stored_data(round_, unit, scheme)
    form = self_assessment_form(leaves, current_language(), data=stored)
    for leaf in leaves:
        if leaf.code in fixed:
            name = field_name(leaf.code)
            form[f"score_{name}"].data = stored.get(f"score_{name}", "")
            form[f"note_{name}"].data = stored.get(f"note_{name}", "")
    if not form.validate_on_submit():
        return _form_page(round_, scheme, unit, form)
    entries = []
    for leaf in leaves:
        name = field_name(leaf.code)
        score = parse_number((form[f"score_{name}"].data or "").strip())
        if score is not None and leaf.code not in fixed:
            note = (form[f"note_{name}"].data or "").strip()
            entries.append(ScoreEntry(unit.id, leaf.code, score, note))
    changed = save_scores(round_, entries, source_hash=None, action="self_scores.save")
    db.session.commit()
    flash(
        gettext("Self-assessment saved: %(changed)d new or changed scores.", changed=changed),
        "success",
    )
    return redirect(url_for("evaluate.self_assessment", round_id=round_.id, unit_id=unit.id))


# --- statistics ------------------------------------------------------------------------------


def _statistics_page(
    round_: Round, scheme: Scheme, form: UploadForm, problems: ImportRefused | None = None
) -> str:
    """The statistics page: figures per unit × indicator and the import form."""
    units = visible_units(round_)
    stored = stored_figures(round_)
    return render_template(
        "evaluate/statistics.html",
        round_=round_,
        indicators=indicators(scheme, current_language()),
        units=units,
        values={key: row.value for key, row in stored.items()},
        form=form,
        problems=problems.problems if problems else [],
        columns=TEMPLATE,
        can_import=current_account().role in APPRAISING,
    )


@bp.get("/rounds/<int:round_id>/statistics")
@roles_required(*ALL_ROLES)
def statistics(round_id: int) -> ResponseReturnValue:
    """The round's imported figures (a unit officer: its own) and, for evaluators, the import."""
    round_, scheme = scored_round_or_404(round_id)
    return _statistics_page(round_, scheme, UploadForm())


@bp.post("/rounds/<int:round_id>/statistics/import")
@roles_required(*APPRAISING)
def statistics_import(round_id: int) -> ResponseReturnValue:
    """Import figures from a file, all or nothing."""
    round_, scheme = scored_round_or_404(round_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _statistics_page(round_, scheme, form)
    data, filename = _upload(form)
    try:
        figures = read_figures(scheme, visible_units(round_), data, filename)
    except ImportRefused as refused:
        return _statistics_page(round_, scheme, form, refused)
    changed = save_figures(round_, figures, source_hash=file_hash(data))
    db.session.commit()
    flash(
        gettext(
            "%(rows)d figures read, %(changed)d new or changed.", rows=len(figures), changed=changed
        ),
        "success",
    )
    return redirect(url_for("evaluate.statistics", round_id=round_.id))


@bp.get("/rounds/<int:round_id>/statistics/template.<file_format>")
@roles_required(*APPRAISING)
def statistics_template(round_id: int, file_format: str) -> ResponseReturnValue:
    """The figures template: one row per unit × indicator, figures imported so far filled in."""
    round_, scheme = scored_round_or_404(round_id)
    if file_format not in MIMETYPES:
        abort(404)
    rows = figure_template_rows(round_, scheme, visible_units(round_), current_language())
    return _download(
        write_table(TEMPLATE, rows, file_format), f"{round_.code}-statistics", file_format
    )
