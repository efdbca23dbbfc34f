"""Self-score uploads (all-or-nothing, row and column named), the template, and appraisal."""

from __future__ import annotations

import io
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.selfassessment import (
    AppraisalDecision,
    AppraisalError,
    SelfScoreUploadError,
    Verdict,
    apply_decisions,
    appraised_points,
    parse_self_scores,
    read_self_scores,
    self_score_template,
    write_self_score_template,
)
from questionnaires.scheme import Scheme

UNITS = ["A", "B"]


def csv(text: str) -> bytes:
    return text.encode("utf-8")


def parse(data: bytes, scheme: Scheme, file_format: str = "csv") -> pd.DataFrame:
    return parse_self_scores(data, file_format=file_format, scheme=scheme, units=UNITS)  # type: ignore[arg-type]


def test_a_valid_csv_is_parsed(scheme: Scheme) -> None:
    data = csv(
        "unit_code,criterion_code,self_score,note\n"
        "A,1.1,18.5,đã có kế hoạch\n"
        'B,2.2,"7,25",\n'
        "\n"
        "A,1.2.1,0,\n"
    )
    frame = parse(data, scheme)
    assert frame.to_dict(orient="records") == [
        {"unit": "A", "criterion": "1.1", "self_score": 18.5, "note": "đã có kế hoạch"},
        {"unit": "B", "criterion": "2.2", "self_score": 7.25, "note": ""},
        {"unit": "A", "criterion": "1.2.1", "self_score": 0.0, "note": ""},
    ]


def test_every_problem_is_reported_with_row_and_column(scheme: Scheme) -> None:
    data = csv(
        "unit_code,criterion_code,self_score\n"
        "A,1.1,21\n"  # row 2: above max 20
        "A,1.2.1,-1\n"  # row 3: negative
        "Z,2.2,3\n"  # row 4: unknown unit
        "A,9.9,3\n"  # row 5: unknown criterion
        "A,2.1,3\n"  # row 6: survey criterion
        "A,1.2,3\n"  # row 7: inner node
        "B,1.1,abc\n"  # row 8: not a number
        "B,2.2,\n"  # row 9: blank
        "B,1.2.1,4\n"  # row 10
        "B,1.2.1,5\n"  # row 11: duplicate of row 10
    )
    with pytest.raises(SelfScoreUploadError) as caught:
        parse(data, scheme)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (2, "self_score"),
        (3, "self_score"),
        (4, "unit_code"),
        (5, "criterion_code"),
        (6, "criterion_code"),
        (7, "criterion_code"),
        (8, "self_score"),
        (9, "self_score"),
        (11, "criterion_code"),
    }
    message = str(caught.value)
    assert "row 2, column self_score: 21 is above the maximum 20 of criterion 1.1" in message
    assert "row 6, column criterion_code: criterion 2.1 takes its points from the survey" in message
    assert (
        "row 11, column criterion_code: unit B, criterion 1.2.1 already given in row 10" in message
    )
    assert "'abc' is not a number" in message


def test_unknown_and_missing_columns(scheme: Scheme) -> None:
    with pytest.raises(SelfScoreUploadError) as caught:
        parse(csv("unit_code,criterion,self score\nA,1.1,3\n"), scheme)
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert (1, "criterion") in problems and (1, "self score") in problems
    assert (1, "criterion_code") in problems and (1, "self_score") in problems


def test_undecodable_csv(scheme: Scheme) -> None:
    with pytest.raises(SelfScoreUploadError, match="not UTF-8"):
        parse(b"unit_code\xff", scheme)


def test_template_round_trips_through_csv_and_xlsx(scheme: Scheme, tmp_path: Path) -> None:
    template = self_score_template(scheme, units=UNITS)
    assert len(template) == 2 * 3  # units × appraisal leaves 1.1, 1.2.1, 2.2
    assert template["max_points"].tolist() == [20.0, 10.0, 30.0] * 2
    for file_format in ("csv", "xlsx"):
        data = write_self_score_template(scheme, units=UNITS, file_format=file_format)  # type: ignore[arg-type]
        if file_format == "csv":
            filled = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
            filled["self_score"] = ["5", "5", "5", "6", "6", "6"]
            path = tmp_path / "scores.csv"
            path.write_bytes(filled.to_csv(index=False).encode("utf-8-sig"))
        else:
            book = openpyxl.load_workbook(io.BytesIO(data))
            sheet = book["self_scores"]
            assert [c.value for c in sheet[1]][:3] == [
                "unit_code",
                "criterion_code",
                "criterion_title",
            ]
            for row in range(2, 8):
                sheet.cell(row=row, column=5, value=5 if row < 5 else 6)
            path = tmp_path / "scores.xlsx"
            book.save(path)
        frame = read_self_scores(path, scheme=scheme, units=UNITS)
        assert frame["self_score"].tolist() == [5.0] * 3 + [6.0] * 3
        assert frame["criterion"].tolist() == ["1.1", "1.2.1", "2.2"] * 2


def test_an_unfilled_template_reports_every_blank(scheme: Scheme) -> None:
    data = write_self_score_template(scheme, units=UNITS, file_format="xlsx")
    with pytest.raises(SelfScoreUploadError) as caught:
        parse(data, scheme, "xlsx")
    assert [p.row for p in caught.value.problems] == [2, 3, 4, 5, 6, 7]


def test_wrong_suffix_is_refused(scheme: Scheme, tmp_path: Path) -> None:
    path = tmp_path / "scores.ods"
    path.write_bytes(b"")
    with pytest.raises(SelfScoreUploadError, match="expected a .csv or .xlsx"):
        read_self_scores(path, scheme=scheme, units=UNITS)


def scores(scheme: Scheme) -> pd.DataFrame:
    return parse(csv("unit_code,criterion_code,self_score\nA,1.1,18\nA,2.2,25\nB,1.1,10\n"), scheme)


def test_decisions_accept_change_and_supersede(scheme: Scheme) -> None:
    decisions = [
        AppraisalDecision("A", "1.1", Verdict.ACCEPT),
        AppraisalDecision("A", "2.2", Verdict.CHANGE, score=20, reason="thiếu tài liệu kiểm chứng"),
        AppraisalDecision("A", "2.2", Verdict.CHANGE, score=22, reason="bổ sung khi xem xét lại"),
    ]
    result = apply_decisions(scores(scheme), decisions, scheme=scheme).set_index(
        ["unit", "criterion"]
    )
    assert result.loc[("A", "1.1"), "points"] == 18
    assert result.loc[("A", "1.1"), "status"] == "accepted"
    assert result.loc[("A", "2.2"), "points"] == 22
    assert result.loc[("A", "2.2"), "reason"] == "bổ sung khi xem xét lại"
    assert result.loc[("B", "1.1"), "status"] == "pending"
    assert math.isnan(result.loc[("B", "1.1"), "points"])


def test_a_change_without_reason_is_refused(scheme: Scheme) -> None:
    decisions = [
        AppraisalDecision("A", "1.1", Verdict.CHANGE, score=15, reason="  "),
        AppraisalDecision("A", "2.2", Verdict.CHANGE, reason="no score"),
        AppraisalDecision("B", "1.1", Verdict.CHANGE, score=25, reason="too high"),
        AppraisalDecision("B", "2.2", Verdict.ACCEPT),
        AppraisalDecision("A", "1.1", Verdict.ACCEPT, score=3),
    ]
    with pytest.raises(AppraisalError) as caught:
        apply_decisions(scores(scheme), decisions, scheme=scheme)
    assert caught.value.problems == [
        "decision 1 (unit A, criterion 1.1): a change needs a reason",
        "decision 2 (unit A, criterion 2.2): a change needs the appraised score",
        "decision 3 (unit B, criterion 1.1): score 25 outside [0, 20]",
        "decision 4 (unit B, criterion 2.2): no self-score to appraise",
        "decision 5 (unit A, criterion 1.1): an accepted score takes no new score; use change",
    ]


def test_appraised_points_refuse_pending_rows(scheme: Scheme) -> None:
    decided = apply_decisions(
        scores(scheme), [AppraisalDecision("A", "1.1", Verdict.ACCEPT)], scheme=scheme
    )
    with pytest.raises(AppraisalError, match="unit A, criterion 2.2: not appraised yet"):
        appraised_points(decided)
    all_decided = apply_decisions(
        scores(scheme),
        [
            AppraisalDecision(u, c, Verdict.ACCEPT)
            for u, c in [("A", "1.1"), ("A", "2.2"), ("B", "1.1")]
        ],
        scheme=scheme,
    )
    assert appraised_points(all_decided)["points"].tolist() == [18, 25, 10]
