"""Cross-site scripting and formula injection: payloads from every source arrive as text.

The payloads of ``security_helpers.XSS_PAYLOADS`` (a script element, an attribute break-out
with an ``onerror`` handler, an ``svg onload``, a ``javascript:`` URL, template expressions)
are put where an attacker or a careless editor could put them:

* in a questionnaire definition (title, introduction, page titles, item texts and help, choice
  labels), loaded from a temporary YAML file and offered in the demo round in place of the
  bundled citizens' questionnaire;
* in a respondent's answers to every text item;
* in unit names, through the workspace's unit import (a CSV file);
* in the cells of uploaded frame and margins files (stored, or quoted back in the problems).

Proven: every respondent page and every workspace page an administrator can open (walked from
the URL map) shows each payload escaped — never as live markup, never evaluated as a template
(``unescaped_payloads``) — and actually shows it (so the check is not vacuous). Downloads are
never served as HTML, and their spreadsheet cells never hold a live formula: CSV text cells
starting with ``=``, ``+``, ``-`` or ``@`` carry a leading apostrophe, XLSX cells stay text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import select, update

from questionnaires.loader import Questionnaire, load_questionnaire
from questionnaires.model import ItemType
from survey_app.catalogue import store_version
from survey_app.models import (
    FrameCell,
    QuestionnaireVersion,
    Role,
    Round,
    RoundQuestionnaire,
    Unit,
    db,
)
from tests.app.app_helpers import CITIZENS, demo, fill_pages, review_form, start
from tests.app.staff.staff_helpers import add_user, csrf_token, login
from tests.security.security_helpers import (
    TEMPLATE_PRODUCT,
    XSS_PAYLOADS,
    unescaped_payloads,
    workspace_get_paths,
)

PAYLOAD = " ".join(XSS_PAYLOADS)
"""Every payload in one text."""

STRATUM_LENGTH = 120
"""Within the 128 characters a frame stratum may hold."""

ESCAPED_SCRIPT = "&lt;script&gt;alert("
"""The script payload as an escaped page shows it."""

FORMULAS = ('=HYPERLINK("http://evil.example")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)")
"""Texts a spreadsheet would run as formulas."""

PLAIN_NUMBER = "-15"
"""A text that starts like a formula but is a plain number: left as it is."""


def _with_payload(value: Any) -> Any:
    """A ``{vi:…, en:…}`` text with the payload appended in both languages."""
    return {language: f"{text} {PAYLOAD}" for language, text in value.items()}


def _payload_questionnaire(bundled: Path, folder: Path) -> Questionnaire:
    """The citizens' questionnaire with the payload in every text a respondent reads, loaded
    from a temporary file through the loader's checks."""
    definition = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    definition["version"] = "2099.1"
    definition["title"] = _with_payload(definition["title"])
    definition["intro"] = _with_payload(definition["intro"])
    for choices in definition["choice_lists"].values():
        for choice in choices:
            choice["label"] = _with_payload(choice["label"])
    for page in definition["pages"]:
        if "title" in page:
            page["title"] = _with_payload(page["title"])
        for item in page["items"]:
            for key in ("text", "help"):
                if key in item:
                    item[key] = _with_payload(item[key])
    path = folder / "sipas_citizens.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return load_questionnaire(path)


def _offer(app: Flask, questionnaire: Questionnaire) -> None:
    """Store ``questionnaire`` and offer it in the demo round instead of its bundled version."""
    with app.app_context():
        version, _added = store_version(questionnaire)
        bundled = select(QuestionnaireVersion.id).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.id != version.id,
        )
        db.session.execute(
            update(RoundQuestionnaire)
            .where(RoundQuestionnaire.questionnaire_version_id.in_(bundled))
            .values(questionnaire_version_id=version.id)
        )
        db.session.commit()


def _check(pages: dict[str, str]) -> list[str]:
    """Live payloads found on any of ``pages`` (name → HTML)."""
    return [
        f"{name}: {snippet!r}"
        for name, html in pages.items()
        for snippet in unescaped_payloads(html)
    ]


def test_payloads_in_the_questionnaire_and_answers_render_escaped(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    """Start page, every question page, the review and the thank-you page: the questionnaire's
    texts and the respondent's text answers appear, escaped, in both languages."""
    demo(app)
    bundled = load_questionnaire(Path("questionnaires/forms/sipas_citizens.yaml"))
    questionnaire = _payload_questionnaire(bundled.path, tmp_path)
    _offer(app, questionnaire)
    text_items = {
        item.code: PAYLOAD[: item.max_length]
        for item in questionnaire.items
        if item.type in (ItemType.SHORT_TEXT, ItemType.LONG_TEXT)
    }
    assert text_items, "the questionnaire has no text item to answer with the payload"
    pages: dict[str, str] = {}
    for language in ("vi", "en"):
        client.get(f"/lang/{language}")
        pages[f"start ({language})"] = client.get(f"{CITIZENS}/").text
        for page in questionnaire.pages:
            pages[f"{page.id} ({language})"] = client.get(f"{CITIZENS}/p/{page.id}").text
    answers = fill_pages(client, start(client), questionnaire, text_items)
    answered = [code for code in text_items if code in answers]
    assert answered, "no text item was shown to answer"
    for page in questionnaire.pages:
        pages[f"{page.id} (answered)"] = client.get(f"{CITIZENS}/p/{page.id}").text
    pages["review"] = client.get(f"{CITIZENS}/review").text
    submitted = client.post(f"{CITIZENS}/submit", data=review_form(client))
    assert submitted.status_code == 302
    pages["done"] = client.get(submitted.headers["Location"]).text
    assert _check(pages) == []
    shown = [name for name, html in pages.items() if ESCAPED_SCRIPT in html]
    assert len(shown) >= len(questionnaire.pages) + 2, "the payload did not reach the pages"
    assert TEMPLATE_PRODUCT in pages["start (vi)"]
    for code in answered:
        assert str(escape(answers[code])) in pages["review"], f"answer {code} not on the review"


def _csv(rows: list[list[str]]) -> bytes:
    """A UTF-8 CSV file of ``rows``."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _upload(client: FlaskClient, page: str, target: str, field: str, content: bytes) -> str:
    """Post ``content`` as a CSV file to ``target`` with the CSRF token of ``page``; the page
    shown after (following a redirect)."""
    token = csrf_token(client.get(page).text)
    prefix = f"{field}-" if field else ""
    response = client.post(
        target,
        data={f"{prefix}csrf_token": token, f"{prefix}file": (io.BytesIO(content), "upload.csv")},
        content_type="multipart/form-data",
    )
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    assert response.status_code == 200, response.text[:300]
    return response.text


def _admin(app: Flask, client: FlaskClient) -> None:
    """Sign ``client`` in as an administrator."""
    add_user(app, "admin", Role.ADMIN)
    assert login(client, "admin").status_code == 302


def _import_payload_names(client: FlaskClient) -> str:
    """Re-import the unit file with the payload after every unit's names, plus units named
    like formulas; the page shown after."""
    current = client.get("/staff/units/units.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(current)))
    header, units = rows[0], rows[1:]
    vi, en = header.index("name_vi"), header.index("name_en")
    for row in units:
        row[vi], row[en] = f"{row[vi]} {PAYLOAD}", f"{row[en]} {PAYLOAD}"
    kind = units[0][header.index("kind")]
    for number, formula in enumerate((*FORMULAS, PLAIN_NUMBER)):
        unit = dict.fromkeys(header, "")
        unit.update(code=f"formula{number}", name_vi=formula, name_en=formula, kind=kind)
        units.append([unit[name] for name in header])
    return _upload(client, "/staff/units", "/staff/units/import", "", _csv([header, *units]))


def test_payloads_in_unit_names_and_uploads_render_escaped_on_staff_pages(
    app: Flask, client: FlaskClient
) -> None:
    """Unit names imported with the payload, a frame stratum holding it, and refused uploads
    quoting it: every workspace page and the respondent's unit choices show it escaped."""
    demo(app)
    _admin(app, client)
    pages = {"unit import": _import_payload_names(client)}
    with app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.name_vi.contains(PAYLOAD))).first()
        assert unit is not None, "the import did not store the payload names"
        unit_id, unit_code = unit.id, unit.code
        round_ = db.session.scalars(select(Round)).one()
        round_.units = list(db.session.scalars(select(Unit)))
        round_id = round_.id
        db.session.commit()
    frame_page = f"/staff/rounds/{round_id}/frame"
    header = ["unit_code", "respondent_group", "stratum", "population"]
    pages["frame stored"] = _upload(
        client,
        frame_page,
        f"/staff/rounds/{round_id}/frame/import",
        "frame",
        _csv([header, [unit_code, "citizen", PAYLOAD[:STRATUM_LENGTH], "1000"]]),
    )
    pages["frame refused"] = _upload(
        client,
        frame_page,
        f"/staff/rounds/{round_id}/frame/import",
        "frame",
        _csv([[*header, PAYLOAD], [PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD]]),
    )
    pages["margins refused"] = _upload(
        client,
        frame_page,
        f"/staff/rounds/{round_id}/margins/import",
        "margins",
        _csv([["respondent_group", "variable", "level", "target"], [PAYLOAD] * 4]),
    )
    for path in workspace_get_paths(app, unit_id):
        response = client.get(path)
        if response.mimetype == "text/html":
            pages[path] = response.text
    pages["respondent start"] = client.get(f"{CITIZENS}/").text
    assert _check(pages) == []
    shown = {name for name, html in pages.items() if ESCAPED_SCRIPT in html}
    expected = {"unit import", "frame stored", "frame refused", "margins refused", "/staff/units"}
    assert expected <= shown, f"the payload did not reach {sorted(expected - shown)}"
    assert f"/staff/units/{unit_id}" in shown
    assert f"/staff/rounds/{round_id}/monitoring" in shown
    with app.app_context():
        strata = db.session.scalars(select(FrameCell.stratum)).all()
    assert strata == [PAYLOAD[:STRATUM_LENGTH]], "the frame was not stored"


def test_downloads_are_not_html_and_hold_no_live_formula(app: Flask, client: FlaskClient) -> None:
    """The unit file as CSV: formula-like names guarded by an apostrophe, payloads as plain
    text; as XLSX: every such cell a text cell. Neither is served as HTML, and the browser
    is told to save it."""
    demo(app)
    _admin(app, client)
    _import_payload_names(client)
    as_csv = client.get("/staff/units/units.csv")
    as_xlsx = client.get("/staff/units/units.xlsx")
    for download in (as_csv, as_xlsx):
        assert download.status_code == 200
        assert download.mimetype != "text/html"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    names = {row[0]: row[1] for row in rows[1:]}
    for number, formula in enumerate(FORMULAS):
        assert names[f"formula{number}"] == f"'{formula}"
    assert names[f"formula{len(FORMULAS)}"] == PLAIN_NUMBER
    live = [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@"))]
    assert live == [PLAIN_NUMBER, PLAIN_NUMBER], "only the plain number (both names) is bare"
    assert any(PAYLOAD in name for name in names.values())
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    formula_cells = [cell for cell in cells if cell.value.startswith(("=", "+", "-", "@"))]
    assert {cell.value for cell in formula_cells} >= set(FORMULAS)
    assert {cell.data_type for cell in formula_cells} == {"s"}
