"""Questionnaires and schemes checked together: each file goes to its own checker, directories
expand recursively, and a scheme may name the questionnaires checked with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from questionnaires import checks
from questionnaires.checks import check_paths, read_and_check_all
from questionnaires.problems import DefinitionError, Problem
from questionnaires.reading import Reading
from questionnaires.scheme_checks import SchemeReading

ROOT = Path(__file__).parents[2]
TOGETHER = Path(__file__).parent / "fixtures" / "together"


def copy_together(target: Path, *, scheme_text: tuple[str, str] | None = None) -> Path:
    """Copy the form and scheme fixtures into ``target``, replacing text in the scheme."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(TOGETHER / "counter_check.yaml", target)
    text = (TOGETHER / "counter_index.yaml").read_text(encoding="utf-8")
    if scheme_text is not None:
        assert scheme_text[0] in text
        text = text.replace(*scheme_text)
    (target / "counter_index.yaml").write_text(text, encoding="utf-8")
    return target


def test_the_bundled_forms_and_schemes_check_clean_as_one_directory() -> None:
    run = read_and_check_all([ROOT / "questionnaires"])
    assert run.problems == ()
    names = {reading.path.name: type(reading) for reading in run.readings}
    assert names["par_leaders.yaml"] is Reading
    assert names["par_ministry_leaders.yaml"] is Reading
    assert names["par_province_2022.yaml"] is SchemeReading
    assert names["par_ministry_2022.yaml"] is SchemeReading
    assert len(names) == 7


def test_a_scheme_may_name_a_questionnaire_checked_with_it() -> None:
    assert check_paths([TOGETHER]) == []
    (problem,) = check_paths([TOGETHER / "counter_index.yaml"])
    assert problem.location == 'field "2", criterion "2.1", group "citizen" (questionnaire)'
    assert problem.message.startswith("no questionnaire counter_check (known: par_leaders")


def test_a_broken_scheme_in_a_subdirectory_is_reported_with_its_file_and_node(
    tmp_path: Path,
) -> None:
    nested = copy_together(
        tmp_path / "round" / "2024", scheme_text=("items: [satisfaction]", "items: [satisfied]")
    )
    assert check_paths([tmp_path]) == [
        Problem(
            nested / "counter_index.yaml",
            'field "2", criterion "2.1", group "citizen" (items: satisfied)',
            "questionnaire counter_check version 1 has no item satisfied",
        )
    ]


def test_scheme_problems_follow_the_questionnaire_problems(tmp_path: Path) -> None:
    copy_together(
        tmp_path, scheme_text=("max_points: 70\n    criteria", "max_points: 60\n    criteria")
    )
    broken_form = tmp_path / "bad.yaml"
    broken_form.write_text("- a list\n", encoding="utf-8")
    found = [(p.file.name, p.location, p.message) for p in check_paths([tmp_path])]
    assert found == [
        ("bad.yaml", "file", found[0][2]),
        ("counter_index.yaml", 'field "1" (max_points)', "is 60 but its children add up to 70"),
        ("counter_index.yaml", "fields", "the fields' maxima add up to 90, not 100"),
    ]
    assert "a questionnaire is a YAML mapping" in found[0][2]


def test_a_scheme_cannot_lean_on_a_questionnaire_with_problems(tmp_path: Path) -> None:
    copy_together(tmp_path)
    form = tmp_path / "counter_check.yaml"
    form.write_text(
        form.read_text(encoding="utf-8").replace('en: "Satisfied"', 'en: ""'), encoding="utf-8"
    )
    found = [(p.file.name, p.location) for p in check_paths([tmp_path])]
    assert found == [
        ("counter_check.yaml", 'page "opinion", item satisfaction, choice "3" (label.en)'),
        ("counter_index.yaml", 'field "2", criterion "2.1", group "citizen" (questionnaire)'),
    ]


def test_problems_of_the_bundled_questionnaires_are_reported_with_a_scheme(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundled_problem = Problem(Path("forms/par_leaders.yaml"), "id", "clash")
    given_problem = Problem(tmp_path / "counter_check.yaml", "id", "already reported")

    def broken_bundle() -> None:
        raise DefinitionError([bundled_problem, given_problem])

    monkeypatch.setattr(checks, "bundled_questionnaires", broken_bundle)
    copy_together(tmp_path)
    assert check_paths([tmp_path]) == [bundled_problem]
    assert check_paths([tmp_path / "counter_check.yaml"]) == []


def test_readings_keep_the_order_of_the_files(tmp_path: Path) -> None:
    copy_together(tmp_path)
    run = read_and_check_all([tmp_path / "counter_index.yaml", tmp_path])
    assert [(r.path.name, type(r)) for r in run.readings] == [
        ("counter_index.yaml", SchemeReading),
        ("counter_check.yaml", Reading),
    ]
