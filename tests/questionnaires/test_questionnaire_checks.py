"""The checker: one deliberately broken fixture per rule, each reported with its file, the
place (naming the item) and the problem; directories, missing paths and the output format."""

from __future__ import annotations

from pathlib import Path

import pytest

from questionnaires.checks import check_paths
from questionnaires.problems import Problem, format_problems

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken"

# file stem → (location, a fragment of the message); each file breaks exactly one rule.
EXPECTED: dict[str, tuple[str, str]] = {
    "yaml_syntax": ("line 21, column 1", "YAML syntax error"),
    "duplicate_key": ("line 20, column 9", "the key 'type' is given twice"),
    "not_a_mapping": ("file", "a questionnaire is a YAML mapping"),
    "unknown_field": ('page "p1", item q2 (relevent)', "did you mean 'relevant'?"),
    "unknown_item_type": ('page "p1", item q2 (type)', "'boolean' is not allowed"),
    "bad_item_code": ('page "p1", item Q2 (code)', "'Q2' is not a valid code"),
    "unquoted_yes": ('choice list "yes_no", choice 1 (code)', "put it in quotes"),
    "missing_translation": ('page "p1", item q2 (text.en)', "en is missing"),
    "blank_translation": ('page "p1", item q2 (text.en)', "the English text is empty"),
    "required_wrong_type": (
        'page "p1", item q2 (required)',
        "expected true, false or an expression in quotes, got 5",
    ),
    "duplicate_item_code": ('page "p1", item q2', 'already used by item 2 of page "p1"'),
    "duplicate_page_id": ('page "p1"', "page id p1 is already used by page 1"),
    "empty_page": ('page "p2"', "has no items"),
    "reserved_item_code": ('page "p1", item not', "is a word of the expression language"),
    "duplicate_choice_code": (
        'choice list "yes_no", choice "yes"',
        "choice code 'yes' appears twice",
    ),
    "unknown_choice_list": ('page "p1", item q1 (choices)', "'yesno', which is not defined"),
    "choices_missing": ('page "p1", item q1 (choices)', "needs choices"),
    "choices_on_text": ('page "p1", item q1 (choices)', "has no choices; remove them"),
    "rating_without_score": (
        'choice list "agree", choice "2" (score)',
        "has no score, and rating item q1 uses this list",
    ),
    "score_out_of_range": ('choice list "yes_no", choice "yes" (score)', "outside [0, 1]"),
    "special_with_score": ('choice list "yes_no", choice "dk" (score)', "never scored"),
    "expression_syntax": ('page "p1", item q2 (relevant)', "does not parse"),
    "expression_unknown_item": (
        'page "p1", item q2 (relevant)',
        "refers to q9, which is not an item",
    ),
    "expression_later_item": ('page "p1", item q1 (required)', "q2, which comes later"),
    "expression_own_item": ('page "p1", item q2 (constraint)', "refers to its own item q2"),
    "expression_own_value": ('page "p1", item q2 (relevant)', "only constraints have"),
    "expression_unknown_code": (
        'page "p1", item q2 (relevant)',
        "selected(q1, 'maybe'): q1 has no choice 'maybe' (its codes: yes, no)",
    ),
    "expression_compares_unknown_code": (
        'page "p1", item q2 (relevant)',
        "compares q1 with 'Yes', which is not one of its choice codes",
    ),
    "expression_selected_not_choice": (
        'page "p1", item q1 (relevant)',
        "selected() needs a choice item; q2 is a number item",
    ),
    "expression_not_condition": ('page "p1", item q2 (relevant)', "is not a yes/no condition"),
    "page_relevance_same_page": ('page "p1" (relevant)', "only use answers from earlier pages"),
    "minimum_above_maximum": (
        'page "p1", item q2 (minimum)',
        "minimum 10 is greater than maximum 5",
    ),
    "bounds_on_text": ('page "p1", item q2 (minimum)', "only number items have a minimum"),
    "sampling_unknown_item": ("sampling (stratum)", "names district, which is not an item"),
    "sampling_not_required": ("sampling (stratum)", "names q1, which is not required"),
    "criteria_bad_code": ('page "p1", item q1 (criteria)', "'3-2' is not a criterion code"),
    "criteria_unscored": ('page "p1", item q2 (criteria)', "a number item gives no score"),
}


def test_every_broken_fixture_has_an_expectation() -> None:
    assert {path.stem for path in BROKEN.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_each_rule_is_reported_with_file_item_and_problem(stem: str) -> None:
    path = BROKEN / f"{stem}.yaml"
    location, fragment = EXPECTED[stem]
    problems = check_paths([path])
    assert len(problems) == 1, format_problems(problems)
    (problem,) = problems
    assert problem.file == path
    assert problem.location == location
    assert fragment in problem.message
    assert format_problems(problems) == f"{path}: {location}: {problem.message}"


def test_two_files_with_the_same_id_and_version_are_reported_on_the_second() -> None:
    directory = BROKEN / "duplicate_version"
    problems = check_paths([directory])
    assert problems == [
        Problem(
            directory / "form_b.yaml",
            "id",
            f"questionnaire same_form version 1 is also defined in {directory / 'form_a.yaml'}; "
            "change the version or the id",
        )
    ]


def test_same_id_with_another_version_is_fine(tmp_path: Path) -> None:
    text = (BROKEN / "duplicate_version" / "form_a.yaml").read_text(encoding="utf-8")
    (tmp_path / "one.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(text.replace('version: "1"', 'version: "2"'), "utf-8")
    assert check_paths([tmp_path]) == []


def test_a_file_given_twice_is_checked_once() -> None:
    path = BROKEN / "duplicate_version" / "form_a.yaml"
    assert check_paths([path, path]) == []


def test_directories_expand_to_their_yaml_files_only(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a form", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("- a list\n", encoding="utf-8")
    problems = check_paths([tmp_path])
    assert [(problem.file.name, problem.location) for problem in problems] == [("bad.yaml", "file")]


def test_missing_paths_and_empty_directories_are_problems(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_paths([missing, empty]) == [
        Problem(missing, "file", "does not exist"),
        Problem(empty, "directory", "has no *.yaml files"),
    ]


def test_files_that_are_not_utf8_or_empty_are_problems(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: Thử\n".encode("utf-16"))
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing but a comment\n", encoding="utf-8")
    problems = {problem.file.name: problem for problem in check_paths([latin, empty])}
    assert "is not UTF-8 text" in problems["latin.yaml"].message
    assert problems["empty.yaml"].message.startswith("is empty")


def test_several_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = (FIXTURES / "features" / "relevance_chain.yaml").read_text(encoding="utf-8")
    broken = text.replace('en: "Notes"', 'en: ""').replace(
        'relevant: "q_children >= 2"', 'relevant: "q_kids >= 2"'
    )
    path = tmp_path / "two_faults.yaml"
    path.write_text(broken, encoding="utf-8")
    problems = check_paths([path])
    assert sorted((problem.location, problem.message[:24]) for problem in problems) == [
        ('page "family", item q_note (text.en)', "the English text is empt"),
        ('page "family", item q_school (relevant)', "refers to q_kids, which "),
    ]


def test_unknown_item_suggests_a_close_code(tmp_path: Path) -> None:
    text = (FIXTURES / "features" / "relevance_chain.yaml").read_text(encoding="utf-8")
    path = tmp_path / "typo.yaml"
    path.write_text(text.replace("q_children >= 2", "q_childrn >= 2"), encoding="utf-8")
    (problem,) = check_paths([path])
    assert problem.message.endswith("did you mean q_children?")


def test_feature_fixtures_and_bundled_forms_are_clean() -> None:
    forms = Path(__file__).parents[2] / "questionnaires" / "forms"
    assert check_paths([FIXTURES / "features", forms]) == []


def test_problems_sort_and_print_one_line_each() -> None:
    first = Problem(Path("a.yaml"), 'page "p", item q1 (relevant)', "does not parse")
    second = Problem(Path("b.yaml"), "id", "clash")
    assert format_problems([first, second]) == (
        'a.yaml: page "p", item q1 (relevant): does not parse\nb.yaml: id: clash'
    )
    assert sorted([second, first]) == [first, second]
    assert format_problems([]) == ""
