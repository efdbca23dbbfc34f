"""Loading: the Questionnaire wrapper, its look-ups, content hash, errors, directories and the
bundled forms."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from questionnaires import (
    DefinitionError,
    Questionnaire,
    UnknownItemError,
    bundled_questionnaires,
    load_directory,
    load_questionnaire,
    questionnaire_from_source,
)
from questionnaires.model import ItemType, Sampling, Special

FIXTURES = Path(__file__).parent / "fixtures"
FEATURES = FIXTURES / "features"


def test_load_wraps_the_definition_with_path_and_hash() -> None:
    path = FEATURES / "choice_lists.yaml"
    questionnaire = load_questionnaire(path)
    assert questionnaire.path == path
    assert questionnaire.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert questionnaire.id == "choice_lists"
    assert questionnaire.version == "1"
    assert questionnaire.respondent_group == "leader"
    assert questionnaire.title.get("en") == "Choice lists"
    assert questionnaire.definition.id == "choice_lists"
    assert "choice_lists version 1" in repr(questionnaire)


def test_items_are_in_form_order_and_found_by_code() -> None:
    questionnaire = load_questionnaire(FEATURES / "page_relevance.yaml")
    assert [item.code for item in questionnaire.items] == [
        "q_used",
        "q_portal",
        "q_again",
        "q_comment",
    ]
    assert questionnaire.item("q_portal").type is ItemType.SHORT_TEXT
    assert questionnaire.item(questionnaire.items[0]) is questionnaire.items[0]
    assert questionnaire.page_of("q_again").id == "online"
    assert questionnaire.page("closing").items[0].code == "q_comment"
    assert [page.id for page in questionnaire.pages] == ["screening", "online", "closing"]


def test_unknown_codes_raise_a_clear_error() -> None:
    questionnaire = load_questionnaire(FEATURES / "page_relevance.yaml")
    with pytest.raises(UnknownItemError, match="page_relevance version 1 has no item q_nope"):
        questionnaire.item("q_nope")
    with pytest.raises(UnknownItemError, match="has no page nowhere"):
        questionnaire.page("nowhere")
    with pytest.raises(UnknownItemError, match="has no choice 'maybe'"):
        questionnaire.choice("q_used", "maybe")


def test_choices_resolve_named_lists_and_keep_inline_ones() -> None:
    questionnaire = load_questionnaire(FEATURES / "choice_lists.yaml")
    plan = questionnaire.choices("q_plan")
    assert [choice.code for choice in plan] == ["3", "2", "1", "dk", "na"]
    assert questionnaire.choices("q_report") == plan
    assert [choice.score for choice in plan] == [1, 0.5, 0, None, None]
    assert questionnaire.choice("q_plan", "dk").special is Special.DONT_KNOW
    assert [choice.code for choice in questionnaire.choices("q_level")] == ["province", "district"]
    assert load_questionnaire(FEATURES / "sampling.yaml").choices("q_commune") == ()


def test_items_for_criterion() -> None:
    questionnaire = load_questionnaire(FEATURES / "choice_lists.yaml")
    assert [item.code for item in questionnaire.items_for_criterion("1.2")] == ["q_report"]
    assert questionnaire.items_for_criterion("9.9") == ()


def test_rules_are_compiled_once_per_item() -> None:
    questionnaire = load_questionnaire(FEATURES / "required_expression.yaml")
    rules = questionnaire.rules("q_email")
    assert rules is questionnaire.rules("q_email")
    assert rules.relevant is None
    assert not isinstance(rules.required, bool)
    assert rules.required.references == frozenset({"q_channel"})
    assert questionnaire.rules("q_channel").required is True


def test_a_broken_file_raises_definition_error_listing_the_problems() -> None:
    path = FIXTURES / "broken" / "expression_unknown_item.yaml"
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire(path)
    (problem,) = caught.value.problems
    assert problem.file == path
    assert problem.location == 'page "p1", item q2 (relevant)'
    assert "1 problem in questionnaire definitions" in str(caught.value)
    assert str(problem) in str(caught.value)


def test_a_definition_is_checked_when_wrapped_directly() -> None:
    broken = load_questionnaire(FEATURES / "relevance_chain.yaml").definition.model_copy(
        update={"sampling": Sampling(stratum="q_missing")}
    )
    with pytest.raises(DefinitionError, match="names q_missing"):
        Questionnaire(broken, path=Path("memory.yaml"), content_hash="")


def test_load_directory_keys_by_id(tmp_path: Path) -> None:
    for name in ("sampling.yaml", "constraints.yaml"):
        shutil.copy(FEATURES / name, tmp_path / name)
    loaded = load_directory(tmp_path)
    assert sorted(loaded) == ["constraints", "sampling"]
    assert loaded["sampling"].path == tmp_path / "sampling.yaml"


def test_load_directory_refuses_two_versions_of_one_id(tmp_path: Path) -> None:
    text = (FEATURES / "sampling.yaml").read_text(encoding="utf-8")
    (tmp_path / "v1.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(text.replace('version: "1"', 'version: "2"'), "utf-8")
    with pytest.raises(DefinitionError, match="keep one version per directory"):
        load_directory(tmp_path)


def test_load_directory_reports_every_broken_file(tmp_path: Path) -> None:
    for name in ("empty_page.yaml", "choices_missing.yaml"):
        shutil.copy(FIXTURES / "broken" / name, tmp_path / name)
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    assert sorted(problem.file.name for problem in caught.value.problems) == [
        "choices_missing.yaml",
        "empty_page.yaml",
    ]


def test_bundled_questionnaires_are_loaded_once_and_read_only() -> None:
    bundled = bundled_questionnaires()
    assert bundled is bundled_questionnaires()
    assert sorted(bundled) == [
        "par_leaders",
        "par_ministry_leaders",
        "province_department",
        "sipas_citizens",
    ]
    with pytest.raises(TypeError):
        bundled["x"] = bundled["par_leaders"]  # type: ignore[index]


def test_a_stored_copy_loads_like_the_file() -> None:
    path = FEATURES / "constraints.yaml"
    stored = Path("questionnaire_versions") / "copy.yaml"
    copy = questionnaire_from_source(path.read_bytes(), path=stored)
    original = load_questionnaire(path)
    assert copy.path == stored
    assert copy.content_hash == original.content_hash
    assert copy.definition == original.definition


def test_a_broken_stored_copy_names_its_label() -> None:
    raw = (FIXTURES / "broken" / "duplicate_key.yaml").read_bytes()
    label = Path("questionnaire_versions") / "abc.yaml"
    with pytest.raises(DefinitionError) as caught:
        questionnaire_from_source(raw, path=label)
    assert [problem.file for problem in caught.value.problems] == [label]
