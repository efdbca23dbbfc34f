"""What issued codes are handed out as: an A4 invitation sheet per code and a CSV table.

Each sheet carries the round's title in Vietnamese and English, the unit, the survey's address
and the code grouped by four, a QR code of the code's link ``/i/<code>`` (made by the
``qrcode`` package as inline SVG, error correction M, one dark square per module), and a short
note on anonymity. The sheet's fixed text is printed in both languages whatever the interface
language, from the same catalogue as the interface. The CSV has one row per code: unit, group,
code and link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from flask import url_for
from flask_babel import lazy_gettext
from markupsafe import Markup

from survey_app.i18n import Bilingual, bilingual
from survey_app.invitations import IssuedCode
from survey_app.models import Round

CSV_COLUMNS = ("unit", "group", "code", "link")
"""The columns of the codes' CSV download."""

QR_BORDER = 4
"""The quiet zone around the QR code, in modules (the standard's minimum)."""


@dataclass(frozen=True)
class SheetText:
    """The fixed text of every invitation sheet."""

    heading: Bilingual
    how: Bilingual
    code_label: Bilingual
    scan: Bilingual
    once: Bilingual
    anonymity: Bilingual
    private: Bilingual


def sheet_text(address: str) -> SheetText:
    """The sheets' text, with ``address`` the page where a code is typed."""
    return SheetText(
        heading=bilingual(lazy_gettext("Invitation to take part in the survey")),
        how=bilingual(
            lazy_gettext(
                "Open %(address)s and type the code below, or scan the QR code with the camera "
                "of your phone.",
                address=address,
            )
        ),
        code_label=bilingual(lazy_gettext("Your code")),
        scan=bilingual(lazy_gettext("Scan to open the questionnaire")),
        once=bilingual(
            lazy_gettext(
                "The code opens your questionnaire until you send it; you may stop and enter "
                "it again to continue. Once the questionnaire is sent, the code no longer works."
            )
        ),
        anonymity=bilingual(
            lazy_gettext(
                "Your answers are stored without this code and without your name: nobody, not "
                "even the survey team, can tell which answers are yours."
            )
        ),
        private=bilingual(
            lazy_gettext("Keep this sheet to yourself: anyone with the code can answer.")
        ),
    )


@dataclass(frozen=True)
class CodeSheet:
    """One printed invitation: a code with its link, QR code and unit."""

    code: str
    link: str
    qr: Markup
    unit_vi: str
    unit_en: str
    unit_code: str
    respondent_group: str


def code_link(code: str) -> str:
    """The absolute link that opens ``code``'s questionnaire."""
    return url_for("invitations.code_link", code=code, _external=True)


def qr_svg(data: str) -> Markup:
    """``data`` as a QR code: an SVG element with one path of unit squares, one per dark
    module, offset by the quiet zone."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QR_BORDER,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image()
    image.path.attrib.pop("id", None)
    svg: str = image.to_string(encoding="unicode")
    return Markup(svg)


def sheets(issued: Sequence[IssuedCode]) -> list[CodeSheet]:
    """A sheet for each issued code, in issuing order."""
    return [
        CodeSheet(
            code=item.code,
            link=code_link(item.code),
            qr=qr_svg(code_link(item.code)),
            unit_vi=item.unit.name("vi"),
            unit_en=item.unit.name("en"),
            unit_code=item.unit.code,
            respondent_group=item.respondent_group,
        )
        for item in issued
    ]


def csv_rows(issued: Sequence[IssuedCode]) -> list[tuple[str, str, str, str]]:
    """The CSV rows of the issued codes: unit code, group, code, link."""
    return [
        (item.unit.code, item.respondent_group, item.code, code_link(item.code)) for item in issued
    ]


def round_titles(round_: Round) -> Bilingual:
    """The round's title in both languages, as the sheet prints it."""
    return Bilingual(round_.title_vi, round_.title_en)
