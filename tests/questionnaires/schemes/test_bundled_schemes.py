"""The bundled schemes: checked, shaped as DOMAIN.md describes, and honest about their status."""

from __future__ import annotations

import re

import pytest

from questionnaires.loader import bundled_questionnaires
from questionnaires.model import ItemType
from questionnaires.scheme import (
    SCHEMES_DIR,
    Level,
    NodeLevel,
    Scheme,
    SourceKind,
    SurveySource,
    bundled_schemes,
)
from questionnaires.scheme_checks import check_scheme_paths

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")


def test_every_bundled_scheme_passes_the_checker() -> None:
    assert check_scheme_paths([SCHEMES_DIR]) == []
    assert set(bundled_schemes()) == {
        "par_province_2022",
        "par_ministry_2022",
        "par_department_2022",
    }


@pytest.mark.parametrize(
    ("scheme_id", "level", "fields", "survey_points", "optional"),
    [
        ("par_province_2022", Level.PROVINCE, 8, 32.0, False),
        ("par_ministry_2022", Level.MINISTRY, 7, 31.5, False),
        ("par_department_2022", Level.DEPARTMENT, 7, 30.0, True),
    ],
)
def test_shape(
    scheme_id: str, level: Level, fields: int, survey_points: float, optional: bool
) -> None:
    scheme = bundled_schemes()[scheme_id]
    definition = scheme.definition
    assert definition.edition.level == level
    assert (definition.edition.years.first, definition.edition.years.last) == (2022, 2030)
    assert len(definition.fields) == fields
    assert scheme.max_points == pytest.approx(100)
    survey = sum(leaf.max_points for leaf in scheme.leaves(SourceKind.SURVEY))
    assert survey == pytest.approx(survey_points)
    assert definition.survey_optional is optional


def test_province_field_8_mixes_sipas_leaders_and_statistics() -> None:
    scheme = bundled_schemes()["par_province_2022"]
    impact = [n for n in scheme.nodes.values() if n.code.startswith("8.") and n.is_leaf]
    assert scheme.node("8").max_points == 26
    assert sum(n.max_points for n in impact) == pytest.approx(26)
    surveys = [n for n in impact if isinstance(n.source, SurveySource)]
    by_form: dict[str, list[str]] = {}
    for node in surveys:
        assert isinstance(node.source, SurveySource)
        [group] = node.source.groups
        by_form.setdefault(group.questionnaire, []).append(node.code)
    assert by_form == {
        "sipas_citizens": ["8.1.1", "8.1.2", "8.1.3", "8.1.4", "8.1.5"],
        "par_leaders": ["8.2.3", "8.3.5", "8.3.6"],
    }
    points = {
        kind: sum(n.max_points for n in impact if n.source_kind == kind) for kind in SourceKind
    }
    assert points == {
        SourceKind.SURVEY: pytest.approx(10),
        SourceKind.STATISTIC: pytest.approx(16),
        SourceKind.APPRAISAL: 0,
    }
    sipas = [n for n in surveys if n.code.startswith("8.1.")]
    assert sum(n.max_points for n in sipas) == pytest.approx(8)
    for node in sipas:
        assert isinstance(node.source, SurveySource)
        assert node.source.rule.name == "top_box_share"
    assert [b.code for b in scheme.definition.bands] == ["A", "B", "C"]
    assert [b.minimum for b in scheme.definition.bands] == [90, 80, 70]


def test_province_survey_points_split_between_leaders_and_citizens() -> None:
    scheme = bundled_schemes()["par_province_2022"]
    points: dict[str, float] = {}
    for leaf in scheme.leaves(SourceKind.SURVEY):
        assert isinstance(leaf.source, SurveySource)
        for group in leaf.source.groups:
            points[group.group] = points.get(group.group, 0) + leaf.max_points
    assert points == {"leader": pytest.approx(24), "citizen": pytest.approx(8)}


def test_province_field_8_leaders_items_name_field_8_criteria() -> None:
    scheme = bundled_schemes()["par_province_2022"]
    leaders = bundled_questionnaires()["par_leaders"]
    for code in ("8.2.3", "8.3.5", "8.3.6"):
        source = scheme.node(code).source
        assert isinstance(source, SurveySource)
        for item_code in source.groups[0].items:
            assert leaders.item(item_code).criteria == [code.rsplit(".", 1)[0]]
    assert {item.code for item in leaders.items_for_criterion("8.2")} == {
        "l8_procedures",
        "l8_services",
    }
    assert {item.code for item in leaders.items_for_criterion("8.3")} == {
        "l8_business",
        "l8_development",
    }


def test_survey_leaves_use_scored_items_of_the_bundled_forms() -> None:
    forms = bundled_questionnaires()
    for scheme in bundled_schemes().values():
        for leaf in scheme.leaves(SourceKind.SURVEY):
            assert isinstance(leaf.source, SurveySource)
            for group in leaf.source.groups:
                form = forms[group.questionnaire]
                assert form.respondent_group == group.group
                for code in group.items:
                    assert any(c.score is not None for c in form.choices(code))


def test_ministry_survey_leaves_use_every_rated_item_of_the_ministry_form_once() -> None:
    scheme = bundled_schemes()["par_ministry_2022"]
    form = bundled_questionnaires()["par_ministry_leaders"]
    used: list[str] = []
    for leaf in scheme.leaves(SourceKind.SURVEY):
        assert isinstance(leaf.source, SurveySource)
        [group] = leaf.source.groups
        assert (group.group, group.questionnaire) == ("leader", "par_ministry_leaders")
        assert leaf.code.endswith(".2")
        for code in group.items:
            item = form.item(code)
            assert item.type is ItemType.RATING
            assert any(c.score is not None for c in form.choices(item))
            assert item.criteria == [leaf.code]
        assert {item.code for item in form.items_for_criterion(leaf.code)} == set(group.items)
        used.extend(group.items)
    rated = [item.code for item in form.items if item.type is ItemType.RATING]
    assert sorted(used) == sorted(rated)
    assert len(scheme.leaves(SourceKind.SURVEY)) == 27


@pytest.mark.parametrize("scheme", list(bundled_schemes().values()), ids=lambda s: s.id)
def test_texts_are_bilingual_and_say_what_the_file_is(scheme: Scheme) -> None:
    assert scheme.path is not None
    head = scheme.path.read_text(encoding="utf-8")[:1500]
    assert "876/QĐ-BNV" in head
    assert "NOT" in head and "official" in head
    assert VIETNAMESE.search(scheme.definition.edition.name.vi)
    for node in scheme.nodes.values():
        assert node.title.vi and node.title.en and node.title.vi != node.title.en
        if node.level != NodeLevel.SUB_CRITERION:
            assert VIETNAMESE.search(node.title.vi), node.code


def test_ranked_apart_members() -> None:
    department = bundled_schemes()["par_department_2022"]
    assert department.ranking_group("inspectorate") == "other_agencies"
    assert department.ranking_group("justice") == "departments"
    ministry = bundled_schemes()["par_ministry_2022"]
    assert ministry.ranking_group("uy_ban_dan_toc") == "apart"
