"""The scheme checker: each rule, on a small valid scheme broken one way at a time."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from questionnaires.problems import DefinitionError
from questionnaires.scheme import SchemeError, SourceKind, load_scheme
from questionnaires.scheme_checks import check_scheme_paths, is_scheme_file

VALID: dict[str, Any] = yaml.safe_load(
    """
edition:
  id: test_scheme
  version: "1"
  name: {vi: "Bộ chỉ số thử", en: "Test scheme"}
  level: province
  years: {first: 2022, last: 2030}
ranking:
  groups:
    - {code: all, name: {vi: "Tất cả", en: "All"}}
    - {code: apart, name: {vi: "Riêng", en: "Apart"}}
  default_group: all
  members: {ubdt: apart}
bands:
  - {code: A, minimum: 90}
  - {code: B, minimum: 80}
fields:
  - code: "1"
    title: {vi: "Chỉ đạo, điều hành", en: "Direction"}
    max_points: 60
    criteria:
      - code: "1.1"
        title: {vi: "Kế hoạch", en: "Plan"}
        max_points: 40
        source: appraisal
      - code: "1.4"
        title: {vi: "Người đứng đầu", en: "Heads"}
        max_points: 20
        sub_criteria:
          - code: "1.4.1"
            title: {vi: "Kết quả", en: "Results"}
            max_points: 10
            source: appraisal
          - code: "1.4.2"
            title: {vi: "Khảo sát", en: "Survey"}
            max_points: 10
            source:
              kind: survey
              min_respondents: 5
              groups:
                - {group: leader, questionnaire: par_leaders, items: [l1_heads]}
  - code: "2"
    title: {vi: "Tác động", en: "Impact"}
    max_points: 40
    criteria:
      - code: "2.1"
        title: {vi: "Hồ sơ trực tuyến", en: "Online files"}
        max_points: 40
        source:
          kind: statistic
          indicator: online_files
          conversion: {name: linear, floor: 0, target: 50}
"""
)

Edit = Callable[[dict[str, Any]], None]


def write(tmp_path: Path, data: dict[str, Any], name: str = "scheme.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_after(tmp_path: Path, edit: Edit) -> list[tuple[str, str]]:
    data = copy.deepcopy(VALID)
    edit(data)
    path = write(tmp_path, data)
    found = check_scheme_paths([path])
    assert all(p.file == path for p in found)
    return [(p.location, p.message) for p in found]


def survey_source(data: dict[str, Any]) -> dict[str, Any]:
    return data["fields"][0]["criteria"][1]["sub_criteria"][1]["source"]  # type: ignore[no-any-return]


def test_the_valid_scheme_loads(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    assert check_scheme_paths([path]) == []
    scheme = load_scheme(path)
    assert scheme.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert scheme.max_points == 100
    assert [n.code for n in scheme.leaves()] == ["1.1", "1.4.1", "1.4.2", "2.1"]
    assert [n.code for n in scheme.leaves(SourceKind.SURVEY)] == ["1.4.2"]
    assert scheme.node("1.4").children == ("1.4.1", "1.4.2")
    assert scheme.node("1.4.2").parent == "1.4"
    assert scheme.ranking_group("ubdt") == "apart"
    assert scheme.ranking_group("anyone") == "all"
    with pytest.raises(KeyError, match="scheme test_scheme has no node '9'"):
        scheme.node("9")


def set_at(*path: str | int, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return edit


CASES: list[tuple[str, Edit, tuple[str, str]]] = [
    (
        "children's maxima",
        set_at("fields", 0, "criteria", 0, "max_points", value=35),
        ('field "1" (max_points)', "is 60 but its children add up to 55"),
    ),
    (
        "total of 100",
        lambda d: (
            set_at("fields", 1, "max_points", value=30)(d),
            set_at("fields", 1, "criteria", 0, "max_points", value=30)(d),
        ),
        ("fields", "the fields' maxima add up to 90, not 100"),
    ),
    (
        "code continues the parent's",
        set_at("fields", 0, "criteria", 1, "sub_criteria", 0, "code", value="1.5.1"),
        (
            'field "1", criterion "1.4", sub-criterion "1.5.1" (code)',
            "code 1.5.1 does not continue its parent's code 1.4 (expected 1.4.<n>)",
        ),
    ),
    (
        "unique codes",
        set_at("fields", 1, "criteria", 0, "code", value="1.1"),
        ('field "2", criterion "1.1" (code)', "code 1.1 is used twice"),
    ),
    (
        "field code one segment",
        lambda d: (
            set_at("fields", 1, "code", value="2.0")(d),
            set_at("fields", 1, "criteria", 0, "code", value="2.0.1")(d),
        ),
        ('field "2.0" (code)', "a field's code is one segment, e.g. 8"),
    ),
    (
        "positive maxima",
        lambda d: (
            set_at("fields", 0, "criteria", 1, "sub_criteria", 0, "max_points", value=0)(d),
            set_at("fields", 0, "criteria", 1, "sub_criteria", 1, "max_points", value=20)(d),
        ),
        ('field "1", criterion "1.4", sub-criterion "1.4.1" (max_points)', "must be positive"),
    ),
    (
        "source and sub-criteria",
        set_at("fields", 0, "criteria", 1, "source", value="appraisal"),
        (
            'field "1", criterion "1.4"',
            "has both a source and sub_criteria; a leaf has a source, a parent has sub_criteria",
        ),
    ),
    (
        "neither source nor sub-criteria",
        lambda d: d["fields"][0]["criteria"][0].pop("source"),
        ('field "1", criterion "1.1"', "has neither a source nor sub_criteria"),
    ),
    (
        "unknown questionnaire",
        lambda d: survey_source(d)["groups"][0].update(questionnaire="nowhere"),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "leader" (questionnaire)',
            "no questionnaire nowhere (known: par_leaders, par_ministry_leaders, "
            "province_department, sipas_citizens)",
        ),
    ),
    (
        "group answers the questionnaire",
        lambda d: survey_source(d)["groups"][0].update(group="citizen"),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "citizen" (group)',
            "questionnaire par_leaders is answered by leader, not citizen",
        ),
    ),
    (
        "unknown item",
        lambda d: survey_source(d)["groups"][0].update(items=["l1_nothing"]),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "leader" (items: l1_nothing)',
            "questionnaire par_leaders version 2024.2 has no item l1_nothing",
        ),
    ),
    (
        "scored choices",
        lambda d: survey_source(d)["groups"][0].update(items=["b_level"]),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "leader" (items: b_level)',
            "item b_level has no scored choices, so it cannot be scored",
        ),
    ),
    (
        "item feeds this criterion",
        lambda d: survey_source(d)["groups"][0].update(items=["l1_plan"]),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "leader" (items: l1_plan)',
            "item l1_plan feeds criteria 1.1, not 1.4.2",
        ),
    ),
    (
        "positive weight",
        lambda d: survey_source(d)["groups"][0].update(weight=0),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "leader" (weight)',
            "0 is not positive",
        ),
    ),
    (
        "group once",
        lambda d: survey_source(d)["groups"].append(dict(survey_source(d)["groups"][0])),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2", group "leader"',
            "group leader is listed twice",
        ),
    ),
    (
        "top box leaves a level out",
        lambda d: survey_source(d).update(rule={"name": "top_box_share", "top": 4}),
        (
            'field "1", criterion "1.4", sub-criterion "1.4.2" (rule.top)',
            "top 4 covers all 4 levels of item l1_heads; every answer would count",
        ),
    ),
    (
        "floor and target differ",
        set_at("fields", 1, "criteria", 0, "source", "conversion", "target", value=0),
        (
            'field "2", criterion "2.1" (source.conversion)',
            "floor and target are both 0; they must differ",
        ),
    ),
    (
        "default group exists",
        set_at("ranking", "default_group", value="nobody"),
        ("ranking (default_group)", "nobody is not one of the groups all, apart"),
    ),
    (
        "members' groups exist",
        set_at("ranking", "members", value={"ubdt": "elsewhere"}),
        (
            "ranking (members.ubdt)",
            "unit ubdt's group elsewhere is not one of the groups all, apart",
        ),
    ),
    (
        "ranking groups unique",
        lambda d: d["ranking"]["groups"].append(dict(d["ranking"]["groups"][0])),
        ('ranking group "all"', "is declared twice"),
    ),
    (
        "bands ordered",
        set_at("bands", 1, "minimum", value=95),
        (
            'band "B" (minimum)',
            "95 is not below the band above (90); list bands from the highest minimum down",
        ),
    ),
    (
        "band minimum in range",
        set_at("bands", 0, "minimum", value=120),
        ('band "A" (minimum)', "120 is not in (0, 100]"),
    ),
    (
        "band codes unique",
        set_at("bands", 1, "code", value="A"),
        ('band "A"', "band code is used twice"),
    ),
    (
        "years forwards",
        set_at("edition", "years", value={"first": 2030, "last": 2022}),
        ("edition (years)", "last year 2022 is before first 2030"),
    ),
    (
        "optional survey needs survey leaves",
        lambda d: (
            d.update(survey_optional=True),
            survey_source(d).clear(),
            survey_source(d).update(kind="appraisal"),
        ),
        (
            "survey_optional",
            "an optional survey needs survey leaves and other leaves to rescale to 100",
        ),
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule(tmp_path: Path, edit: Edit, expected: tuple[str, str]) -> None:
    assert problems_after(tmp_path, edit) == [expected]


def test_model_errors_name_the_node(tmp_path: Path) -> None:
    found = problems_after(
        tmp_path,
        lambda d: (
            d["fields"][0]["criteria"][0].update(maximum=3),
            survey_source(d).update(kind="poll"),
            d["fields"][1]["criteria"][0].update(max_points="many"),
        ),
    )
    assert ('field "1", criterion "1.1" (maximum)', "unknown field 'maximum'") in found
    assert (
        'field "1", criterion "1.4", sub-criterion "1.4.2" (source)',
        "kind 'poll' is not supported; expected one of 'appraisal', 'survey', 'statistic'",
    ) in found
    assert ('field "2", criterion "2.1" (max_points)', "expected a number, got 'many'") in found


def test_yaml_problems(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("edition:\n  id: x\n  id: y\n", encoding="utf-8")
    [problem] = check_scheme_paths([broken])
    assert problem.location == "line 3, column 3"
    assert "the key 'id' is given twice" in problem.message
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    assert [p.message for p in check_scheme_paths([listed])] == [
        "a scheme is a YAML mapping with an `edition` key"
    ]
    assert [p.message for p in check_scheme_paths([tmp_path / "absent.yaml"])] == ["does not exist"]


def test_the_same_edition_twice(tmp_path: Path) -> None:
    first = write(tmp_path, VALID, "a.yaml")
    second = write(tmp_path, VALID, "b.yaml")
    found = check_scheme_paths([tmp_path])
    assert [(p.file, p.location) for p in found] == [(second, "edition (id)")]
    assert f"scheme test_scheme version 1 is also defined in {first}" in found[0].message


def test_load_refuses_a_broken_scheme(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["bands"][1]["minimum"] = 95
    data["ranking"]["default_group"] = "nobody"
    path = write(tmp_path, data)
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert isinstance(caught.value, DefinitionError)
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith("2 problems in scheme definitions:")


def test_scheme_files_are_told_apart_from_questionnaires(tmp_path: Path) -> None:
    forms = Path(__file__).parents[3] / "questionnaires" / "forms"
    assert is_scheme_file(write(tmp_path, VALID))
    assert not is_scheme_file(forms / "par_leaders.yaml")
    assert not is_scheme_file(tmp_path / "absent.yaml")
