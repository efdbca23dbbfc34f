"""A small hand-made scheme for the index engine tests (built in memory, no files).

Tree (maxima in brackets; total 100)::

    1 Field one [40]            2 Field two [60]
      1.1 appraisal [20]          2.1 survey (leaders) [30]
      1.2 [20]                    2.2 appraisal [30]
        1.2.1 appraisal [10]
        1.2.2 statistic [10]  (linear, floor 0, target 100)

Ranking groups ``main`` (default) and ``apart`` (unit ``X``); bands A ≥ 90, B ≥ 80, C ≥ 70.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from questionnaires.scheme import Scheme, SchemeDefinition


def text(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


def small_definition(**overrides: Any) -> dict[str, Any]:
    survey = {
        "kind": "survey",
        "rule": "mean_scaled",
        "groups": [{"group": "leader", "questionnaire": "par_leaders", "items": ["q1"]}],
        "min_respondents": 5,
    }
    definition: dict[str, Any] = {
        "edition": {
            "id": "small",
            "version": "1",
            "name": text("Bộ nhỏ", "Small scheme"),
            "level": "province",
            "years": {"first": 2022, "last": 2030},
        },
        "ranking": {
            "groups": [
                {"code": "main", "name": text("Chính", "Main")},
                {"code": "apart", "name": text("Riêng", "Apart")},
            ],
            "default_group": "main",
            "members": {"X": "apart"},
        },
        "bands": [
            {"code": "A", "minimum": 90},
            {"code": "B", "minimum": 80},
            {"code": "C", "minimum": 70},
        ],
        "fields": [
            {
                "code": "1",
                "title": text("Một", "One"),
                "max_points": 40,
                "criteria": [
                    {
                        "code": "1.1",
                        "title": text("a", "a"),
                        "max_points": 20,
                        "source": "appraisal",
                    },
                    {
                        "code": "1.2",
                        "title": text("b", "b"),
                        "max_points": 20,
                        "sub_criteria": [
                            {
                                "code": "1.2.1",
                                "title": text("c", "c"),
                                "max_points": 10,
                                "source": "appraisal",
                            },
                            {
                                "code": "1.2.2",
                                "title": text("d", "d"),
                                "max_points": 10,
                                "source": {
                                    "kind": "statistic",
                                    "indicator": "online_share",
                                    "conversion": {"name": "linear", "floor": 0, "target": 100},
                                },
                            },
                        ],
                    },
                ],
            },
            {
                "code": "2",
                "title": text("Hai", "Two"),
                "max_points": 60,
                "criteria": [
                    {"code": "2.1", "title": text("e", "e"), "max_points": 30, "source": survey},
                    {
                        "code": "2.2",
                        "title": text("f", "f"),
                        "max_points": 30,
                        "source": "appraisal",
                    },
                ],
            },
        ],
    }
    definition.update(overrides)
    return definition


def make_scheme(**overrides: Any) -> Scheme:
    return Scheme(
        definition=SchemeDefinition.model_validate(small_definition(**overrides)),
        content_hash="sha256:test",
    )


def points_frame(rows: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"unit": u, "criterion": c, "points": p} for (u, c), p in rows.items()],
        columns=["unit", "criterion", "points"],
    )
