"""How the model's own errors read to authors: union alternatives reduced to the one meant,
mapping keys, empty lists, top-level fields, and YAML anchors still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from questionnaires.checks import check_paths

BASE = (Path(__file__).parent / "fixtures" / "features" / "relevance_chain.yaml").read_text(
    encoding="utf-8"
)


def problems_in(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    path = tmp_path / "form.yaml"
    path.write_text(text, encoding="utf-8")
    return [(problem.location, problem.message) for problem in check_paths([path])]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '        choices: yes_no\n        required: true\n        text: {vi: "Ông/Bà có con',
            '        choices:\n          - {code: "a b", label: {vi: "x", en: "y"}}\n'
            '        required: true\n        text: {vi: "Ông/Bà có con',
            [
                (
                    'page "family", item q_parent, choice "a b" (code)',
                    "'a b' is not a valid choice code: use letters, digits and _",
                )
            ],
        ),
        (
            '        choices: yes_no\n        required: true\n        text: {vi: "Ông/Bà có con',
            '        choices: {yes: 1}\n        required: true\n        text: {vi: "Ông/Bà có con',
            [
                (
                    'page "family", item q_parent (choices)',
                    "expected the name of a choice list or a list of choices, got a mapping",
                )
            ],
        ),
        (
            "  yes_no:\n",
            "  yes-no:\n",
            [
                (
                    'choice list "yes-no"',
                    "'yes-no' is not a valid code: use lower-case letters (a-z), digits and _, "
                    "starting with a letter",
                )
            ],
        ),
        (
            "respondent_group: citizen\n",
            "respondent_group: citizen\nrespondant: x\n",
            [("respondant", "unknown field 'respondant'; did you mean 'respondent_group'?")],
        ),
        (
            'version: "1"',
            "version: 1.10",
            [
                (
                    "version",
                    "expected text, got 1.1; put it in quotes: YAML reads yes/no/on/off "
                    "as true/false and 1 or 1.0 as numbers",
                )
            ],
        ),
        (
            "format: 1",
            "format: 2",
            [("format", "2 is not supported; expected 1")],
        ),
        (
            'text: {vi: "Ghi chú", en: "Notes"}',
            'text: "Ghi chú"',
            [('page "family", item q_note (text)', "expected a mapping of fields, got 'Ghi chú'")],
        ),
    ],
)
def test_model_errors_are_translated(
    tmp_path: Path, old: str, new: str, expected: list[tuple[str, str]]
) -> None:
    assert old in BASE
    assert problems_in(tmp_path, BASE.replace(old, new, 1)) == expected


def test_required_given_as_text_is_an_expression(tmp_path: Path) -> None:
    old = '        required: true\n        text: {vi: "Ông/Bà có mấy'
    assert old in BASE
    new = old.replace("required: true", "required: yes please")
    ((location, message),) = problems_in(tmp_path, BASE.replace(old, new, 1))
    assert location == 'page "family", item q_children (required)'
    assert message.startswith("does not parse: unexpected 'please'")


def test_a_form_without_pages_is_refused(tmp_path: Path) -> None:
    text = BASE.split("pages:")[0] + "pages: []\n"
    assert problems_in(tmp_path, text) == [("pages", "needs at least 1 entry, found none")]


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    text = BASE.replace('intro: {vi: "Kiểm thử", en: "Test"}\n', "")
    assert problems_in(tmp_path, text) == [("intro", "intro is missing")]


def test_yaml_anchors_and_aliases_are_allowed(tmp_path: Path) -> None:
    text = BASE.replace(
        'title: {vi: "Gia đình", en: "Family"}', 'title: &family {vi: "Gia đình", en: "Family"}'
    ).replace('text: {vi: "Ghi chú", en: "Notes"}', "text: *family")
    assert problems_in(tmp_path, text) == []
