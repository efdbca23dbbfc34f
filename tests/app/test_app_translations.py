"""The Vietnamese interface catalogue: complete, and compiled from the current ``.po``.

Messages are found by Babel's extractor (as ``pybabel extract`` finds them) and, in the Python
code, by reading its syntax tree as well: the extractor does not see a ``gettext`` call inside
an f-string, which then shows in English on a Vietnamese page."""

from __future__ import annotations

import ast
from gettext import GNUTranslations
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "survey_app" / "translations" / "vi" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _source_messages() -> set[str]:
    """Every interface string in the app's Python code and templates."""
    methods = [("survey_app/**.py", "python"), ("survey_app/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), methods, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _called_messages() -> set[str]:
    """Every literal message of a call to one of :data:`KEYWORDS` in the app's Python code,
    wherever the call stands (inside an f-string too)."""
    found = set()
    for path in sorted((ROOT / "survey_app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in KEYWORDS and isinstance(first, ast.Constant):
                if isinstance(first.value, str):
                    found.add(first.value)
    return found


def test_every_interface_string_has_a_vietnamese_translation() -> None:
    """No string in the code or templates is missing or fuzzy in the ``vi`` catalogue."""
    with (CATALOGUE / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    assert _source_messages() - translated == set()
    assert _called_messages() - translated == set()


def test_compiled_catalogue_matches_the_po_file() -> None:
    """The ``.mo`` the app loads holds exactly the ``.po`` translations."""
    with (CATALOGUE / "messages.po").open("rb") as po:
        expected = {m.id: m.string for m in read_po(po) if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as mo:
        compiled = GNUTranslations(mo)
    assert {key: compiled.gettext(key) for key in expected} == expected
