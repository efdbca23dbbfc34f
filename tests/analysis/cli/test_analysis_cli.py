"""``python -m analysis``: the DESIGN.md contracts, formats, errors and exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.design import SurveyDesign
from analysis.estimation import mean, proportion
from analysis.weighting import rake

ROOT = Path(__file__).resolve().parents[3]
GENERATED = ROOT / "tests" / "reference" / "data" / "generated.csv"
MARGINS = ROOT / "tests" / "reference" / "estimation" / "margins_gen_sex_age_area.csv"
DESIGN_ARGS = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--fpc", "fpc_psu"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_estimate_with_rake_prints_the_json_records_of_the_calibrated_design(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(
        capsys, "estimate", "--data", str(GENERATED), *DESIGN_ARGS, "--lonely-psu", "adjust",
        "--rake", str(MARGINS), "--mean", "q1", "--mean", "score", "--proportion", "satisfied=1",
        "--by", "area", "--format", "json",
    )
    assert status == 0, err
    records = json.loads(out)
    assert [list(r) for r in records] == [
        ["variable", "domain", "estimate", "se", "ci_low", "ci_high", "n", "deff"]
    ] * 6
    assert [(r["variable"], r["domain"]) for r in records] == [
        ("q1", "rural"), ("q1", "urban"), ("score", "rural"), ("score", "urban"),
        ("satisfied=1", "rural"), ("satisfied=1", "urban"),
    ]
    frame = pd.read_csv(GENERATED)
    design = SurveyDesign.from_frame(
        frame, weights="weight", strata="stratum", psu="psu", fpc="fpc_psu", lonely_psu="adjust"
    )
    raked = design.calibrated(rake(frame, weights=design.weights, margins=pd.read_csv(MARGINS)))
    expected = mean(raked, ["q1", "score"], by="area") + proportion(
        raked, "satisfied", 1, by="area"
    )
    for record, estimate in zip(records, expected, strict=True):
        assert record["estimate"] == pytest.approx(estimate.estimate, rel=1e-12)
        assert record["se"] == pytest.approx(estimate.se, rel=1e-12)
        assert record["n"] == estimate.n
    unraked = mean(design, "q1", by="area")
    assert records[0]["se"] != pytest.approx(unraked[0].se, rel=1e-3)


def test_parquet_input_gives_the_same_answer_and_table_csv_formats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    parquet = tmp_path / "generated.parquet"
    pd.read_csv(GENERATED).to_parquet(parquet)
    common = [*DESIGN_ARGS, "--lonely-psu", "remove", "--mean", "income"]
    _, from_csv, _ = _run(capsys, "estimate", "--data", str(GENERATED), *common)
    _, from_parquet, _ = _run(capsys, "estimate", "--data", str(parquet), *common)
    assert json.loads(from_csv) == json.loads(from_parquet)
    _, table, _ = _run(capsys, "estimate", "--data", str(parquet), *common, "--format", "table")
    assert table.split()[:8] == ["variable", "domain", "estimate", "se", "ci_low", "ci_high",
                                 "n", "deff"]
    _, text, _ = _run(capsys, "estimate", "--data", str(parquet), *common, "--format", "csv")
    assert text.splitlines()[0] == "variable,domain,estimate,se,ci_low,ci_high,n,deff"
    assert float(text.splitlines()[1].split(",")[2]) == json.loads(from_csv)[0]["estimate"]


def test_rake_writes_the_input_plus_raked_weight(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "raked.csv"
    status, _, err = _run(
        capsys, "rake", "--data", str(GENERATED), "--weight", "weight",
        "--margins", str(MARGINS), "--out", str(out),
    )
    assert status == 0, err
    raked = pd.read_csv(out)
    original = pd.read_csv(GENERATED)
    assert list(raked.columns) == [*original.columns, "raked_weight"]
    pd.testing.assert_frame_equal(raked[original.columns], original)
    margins = pd.read_csv(MARGINS)
    for row in margins.itertuples():
        achieved = raked.loc[raked[row.variable] == row.level, "raked_weight"].sum()
        assert achieved == pytest.approx(row.target, rel=1e-8)


def test_report_prints_the_weighting_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(
        capsys, "report", "--data", str(GENERATED), "--weight", "weight",
        "--margins", str(MARGINS), "--by", "area",
    )
    assert status == 0, err
    assert out.startswith("Weighting report")
    assert "rural" in out and "urban" in out and "g-weights" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--mean", "satisfaction"], "column `satisfaction` is not in"),
        (["--mean", "q1", "--by", "region"], "column `region` is not in"),
        (["--mean", "sex"], "variable `sex` is not numeric"),
        (["--proportion", "q1"], "--proportion expects VAR=LEVEL"),
        (["--proportion", "sex=other"], "no respondent has `sex` = other"),
        ([], "nothing to estimate"),
        (["--mean", "q1", "--level", "95"], "confidence level 95.0 is not between 0 and 1"),
    ],
)
def test_bad_input_gives_one_error_line_and_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = _run(
        capsys, "estimate", "--data", str(GENERATED), *DESIGN_ARGS, "--lonely-psu", "adjust",
        *argv,
    )
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message in err
    if "is not in" in message:
        assert "available columns: id, stratum, psu, fpc_psu, sex" in err


def test_lonely_psu_default_fails_naming_the_stratum(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "estimate", "--data", str(GENERATED), *DESIGN_ARGS,
                          "--mean", "q1")
    assert status == 2 and "stratum S08 has only one PSU" in err


def test_missing_file_and_unknown_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "estimate", "--data", "nowhere.csv", "--weight", "w",
                          "--mean", "y")
    assert status == 2 and "does not exist" in err
    status, _, err = _run(capsys, "estimate", "--data", str(GENERATED), "--weigth", "w")
    assert status == 2 and err.count("\n") == 1


def test_module_entry_point_runs_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "estimate", "--data", str(GENERATED),
         "--weight", "nope", "--mean", "q1"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: data column `nope`") or "column `nope`" in result.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "analysis", "estimate", "--data", str(GENERATED),
         "--weight", "weight", "--mean", "q1", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert ok.returncode == 0 and ok.stderr == ""
    record = json.loads(ok.stdout)[0]
    frame = pd.read_csv(GENERATED).dropna(subset=["q1"])
    assert record["estimate"] == pytest.approx(np.average(frame["q1"], weights=frame["weight"]))
