"""The bundled questionnaires: they load cleanly, meet the required coverage and counts, carry
their "modelled on" header, and their skip logic behaves as documented in their headers."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from questionnaires import Questionnaire, bundled_questionnaires
from questionnaires.model import ItemType, Special

FORMS = Path(__file__).parents[2] / "questionnaires" / "forms"
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)


def bundled(form_id: str) -> Questionnaire:
    return bundled_questionnaires()[form_id]


def scored(questionnaire: Questionnaire, code: str) -> list[tuple[str, float | None, object]]:
    return [(choice.code, choice.score, choice.special) for choice in questionnaire.choices(code)]


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.yaml")), ids=lambda path: path.stem)
def test_each_form_opens_with_its_modelled_on_header(path: Path) -> None:
    header = path.read_text(encoding="utf-8").split("\nformat:")[0]
    assert all(line.startswith("#") for line in header.splitlines())
    assert "Modelled on the PUBLISHED STRUCTURE" in header
    assert "NOT" in header


@pytest.mark.parametrize(
    "form_id", ["par_leaders", "par_ministry_leaders", "sipas_citizens", "province_department"]
)
def test_every_vietnamese_text_is_written_in_vietnamese(form_id: str) -> None:
    questionnaire = bundled(form_id)
    for item in questionnaire.items:
        assert VIETNAMESE_LETTERS.search(item.text.vi), item.code
        assert item.text.vi != item.text.en
    texts = [item.text.vi for item in questionnaire.items]
    assert len(set(texts)) == len(texts)


def test_par_leaders_covers_the_eight_fields_with_criterion_codes() -> None:
    leaders = bundled("par_leaders")
    assert leaders.respondent_group == "leader"
    assert leaders.version == "2024.2"
    assert len(leaders.items) == 46
    rated = [item for item in leaders.items if item.type is ItemType.RATING]
    assert len(rated) == 41
    for item in rated:
        assert len(item.criteria) == 1 and re.fullmatch(r"[1-8]\.[0-9]", item.criteria[0])
    assert {item.criteria[0].split(".")[0] for item in rated} == set("12345678")
    impact = leaders.page("impact")
    assert [item.code for item in impact.items] == [
        "l8_procedures",
        "l8_services",
        "l8_business",
        "l8_development",
    ]
    assert all(item.choices == "agree4" and item.required is True for item in impact.items)
    background = [item.code for item in leaders.pages[0].items]
    assert {"b_level", "b_position"} <= set(background)


def test_par_leaders_scale_is_four_levels_and_dont_know() -> None:
    leaders = bundled("par_leaders")
    assert scored(leaders, "l3_one_stop") == [
        ("4", 1.0, None),
        ("3", pytest.approx(float(Fraction(2, 3)), abs=1e-15), None),
        ("2", pytest.approx(float(Fraction(1, 3)), abs=1e-15), None),
        ("1", 0.0, None),
        ("dk", None, Special.DONT_KNOW),
    ]


def test_par_ministry_leaders_rates_the_ministry_across_the_seven_fields() -> None:
    ministry = bundled("par_ministry_leaders")
    assert ministry.respondent_group == "leader"
    assert len(ministry.items) == 43
    rated = [item for item in ministry.items if item.type is ItemType.RATING]
    assert len(rated) == 38
    for item in rated:
        assert item.choices == "agree4" and item.required is True
        assert len(item.criteria) == 1 and re.fullmatch(r"[1-7]\.[1-5]\.2", item.criteria[0])
        assert "Bộ" in item.text.vi and "ministry" in item.text.en, item.code
        assert "tỉnh" not in item.text.vi and "province's" not in item.text.en, item.code
    assert {item.criteria[0].split(".")[0] for item in rated} == set("1234567")
    assert scored(ministry, "m1_plan") == scored(bundled("par_leaders"), "l1_plan")
    assert [item.code for item in ministry.pages[0].items] == [
        "b_workplace",
        "b_position",
        "b_position_other",
        "b_years",
    ]


def test_par_ministry_leaders_workplace_is_the_stratum_and_bounds_the_position() -> None:
    ministry = bundled("par_ministry_leaders")
    assert ministry.definition.sampling.stratum == "b_workplace"
    assert [choice.code for choice in ministry.choices("b_workplace")] == ["ministry", "province"]
    assert ministry.item("b_workplace").required is True
    at_ministry = {"b_workplace": "ministry"}
    in_province = {"b_workplace": "province"}
    assert ministry.constraint_message("b_position", "ministry_division", at_ministry) is None
    assert ministry.constraint_message("b_position", "province_head", in_province) is None
    assert ministry.constraint_message("b_position", "other", in_province) is None
    assert ministry.constraint_message("b_position", "province_head", at_ministry) is not None
    refused = ministry.constraint_message("b_position", "ministry_head", in_province)
    assert refused is not None and "workplace" in refused.en
    assert ministry.is_relevant("b_position_other", {**at_ministry, "b_position": "other"})
    assert not ministry.is_relevant(
        "b_position_other", {**at_ministry, "b_position": "ministry_head"}
    )


def test_sipas_asks_the_five_aspects_with_satisfaction_items() -> None:
    sipas = bundled("sipas_citizens")
    assert sipas.respondent_group == "citizen"
    assert len(sipas.items) >= 30
    satisfaction = [item for item in sipas.items if item.criteria]
    assert [item.criteria for item in satisfaction] == [[f"8.1.{n}"] for n in range(1, 6)]
    assert [sipas.page_of(item).id for item in satisfaction] == [
        "access",
        "procedure",
        "officials",
        "result",
        "feedback",
    ]
    for item in satisfaction:
        assert [choice.score for choice in sipas.choices(item)] == [1, 0.75, 0.5, 0.25, 0]
    assert scored(sipas, "a2_posted")[-1] == ("na", None, Special.NOT_APPLICABLE)
    assert sipas.item("o_satisfaction").type is ItemType.RATING
    assert sipas.item("o_improve").type is ItemType.MULTIPLE_CHOICE


def test_sipas_has_the_demographics_weighting_needs() -> None:
    sipas = bundled("sipas_citizens")
    assert [choice.code for choice in sipas.choices("d_sex")] == ["male", "female"]
    bands = [choice.label.en for choice in sipas.choices("d_age_band")]
    assert bands == ["18 to 29", "30 to 44", "45 to 59", "60 or older"]
    assert [choice.code for choice in sipas.choices("d_area")] == ["urban", "rural"]
    assert len(sipas.choices("d_district")) == 9
    assert sipas.item("d_commune").type is ItemType.SHORT_TEXT
    assert sipas.item("d_education").required is True
    assert sipas.definition.sampling.stratum == "d_district"


def test_sipas_number_and_date_items_are_bounded() -> None:
    sipas = bundled("sipas_citizens")
    visits = sipas.item("s_visits")
    assert (visits.type, visits.minimum, visits.maximum, visits.integer) == (
        ItemType.NUMBER,
        1,
        20,
        True,
    )
    answers: dict[str, object] = {"s_channel": "in_person", "s_result": "on_time"}
    assert sipas.constraint_message("s_visits", 21, answers) is not None
    today = date(2024, 6, 15)
    assert sipas.item("s_result_date").type is ItemType.DATE
    assert sipas.constraint_message("s_result_date", "2024-06-16", answers, today=today)
    assert sipas.constraint_message("s_result_date", "2024-06-15", answers, today=today) is None


def test_sipas_skip_logic() -> None:
    sipas = bundled("sipas_citizens")
    base: dict[str, object] = {"s_channel": "online", "s_result": "not_yet", "a5_gave": "no"}
    shown = {item.code for item in sipas.visible_items(base)}
    assert not {"a1_seats", "a1_equipment", "s_visits", "s_result_date"} & shown
    assert "a1_portal" in shown
    assert not any(code.startswith("a4_") for code in shown)  # no result yet: aspect 4 skipped
    assert not {"a5_channels", "a5_handled", "a5_satisfaction"} & shown  # no complaint
    complained = {**base, "s_channel": "in_person", "s_result": "late", "a5_gave": "yes"}
    shown = {item.code for item in sipas.visible_items(complained)}
    assert {"a1_seats", "s_visits", "s_result_date", "a4_satisfaction", "a5_satisfaction"} <= (
        shown
    )
    assert sipas.is_required("a5_satisfaction", complained)
    assert not sipas.is_required("a5_satisfaction", base)


def test_sipas_improvement_choices_allow_three_and_exclude_nothing() -> None:
    sipas = bundled("sipas_citizens")
    assert sipas.constraint_message("o_improve", ["faster", "fees", "online"], {}) is None
    assert sipas.constraint_message("o_improve", ["faster", "fees", "online", "skills"], {})
    assert sipas.constraint_message("o_improve", ["nothing", "fees"], {})
    assert sipas.constraint_message("o_improve", ["nothing"], {}) is None


def test_province_department_form() -> None:
    department = bundled("province_department")
    assert department.respondent_group == "delegate"
    assert len(department.items) >= 15
    assert department.definition.sampling.unit == "r_department"
    assert len(department.choices("r_department")) >= 15
    rated = [item for item in department.items if item.criteria]
    assert {item.criteria[0].split(".")[0] for item in rated} == set("1234567")
    assert department.is_relevant("p_improve", {"p_overall": "2"})
    assert not department.is_relevant("p_improve", {"p_overall": "4"})
