"""The printable A4 invitation sheets: the round's title in both languages, the unit, the
address and the code in groups of four, the note on anonymity, and a QR code whose modules,
read back from the SVG, are those of the code's link."""

from __future__ import annotations

import re

import qrcode
import qrcode.constants
from flask import Flask

from tests.app.staff.invitations.invitation_helpers import (
    issue,
    make_round,
    shown_codes,
    signed_in,
)

SHEET = re.compile(r'<article class="sheet".*?</article>', re.DOTALL)
SVG = re.compile(r'<svg[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*><path d="([^"]+)"')
SQUARE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H\1z")


def svg_modules(sheet: str) -> tuple[int, set[tuple[int, int]]]:
    """The QR code of a sheet read back: its size in modules and its dark modules (x, y)."""
    found = SVG.search(sheet)
    assert found, "sheet has no QR code"
    width, height, path = found.groups()
    assert width == height
    squares = SQUARE.findall(path)
    assert "".join(f"M{x},{y}H{r}V{b}H{x}z" for x, y, r, b in squares) == path
    assert all(int(r) == int(x) + 1 and int(b) == int(y) + 1 for x, y, r, b in squares)
    return int(width), {(int(x), int(y)) for x, y, _r, _b in squares}


def expected_modules(data: str) -> tuple[int, set[tuple[int, int]]]:
    """The QR code of ``data`` made afresh (error correction M, the standard quiet zone)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    dark = {(x, y) for y, row in enumerate(matrix) for x, value in enumerate(row) if value}
    return len(matrix), dark


def test_each_sheet_carries_its_code_link_and_qr_code(app: Flask) -> None:
    """One sheet per code, in order; the QR code of each is its own link's."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    page = issue(client, test_round, size=2)
    codes = shown_codes(page)
    sheets = SHEET.findall(page.text)
    assert len(sheets) == len(codes) == 4
    for sheet, code in zip(sheets, codes, strict=True):
        link = f"http://localhost/i/{code}"
        assert code.replace("-", " ") in sheet
        assert link in sheet
        assert svg_modules(sheet) == expected_modules(link)
        assert 'role="img"' in sheet and f"QR code of the link {link}" in sheet


def test_a_sheet_is_bilingual_and_explains_anonymity(app: Flask) -> None:
    """Whatever the interface language, a sheet prints the round's title, the unit and the
    instructions in Vietnamese and English, the address to type the code at, and the note
    that answers are not linked to the code or the name."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    sheet = SHEET.findall(issue(client, test_round, units=("finance",), size=1).text)[0]
    for text in (
        "Khảo sát Chỉ số CCHC các sở",
        "PAR Index survey of departments",
        "Đơn vị finance",
        "Unit finance",
        "Open http://localhost/code and type the code below",
        "Mở http://localhost/code và nhập mã dưới đây",
        "Your answers are stored without this code and without your name",
        "Câu trả lời của Ông/Bà được lưu mà không kèm mã này và không kèm tên",
    ):
        assert text in sheet, text
    assert 'lang="vi"' in sheet and 'lang="en"' in sheet


def test_sheets_print_one_per_a4_page(app: Flask) -> None:
    """The codes page links the print style sheet, which sets A4 and a page break per sheet."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    page = issue(client, test_round, size=1)
    assert 'href="/static/print.css" media="print"' in page.text
    style = client.get("/static/print.css").text
    assert "size: A4" in style
    assert re.search(r"\.sheet \{[^}]*break-after: page", style)
