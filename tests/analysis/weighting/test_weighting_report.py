"""The weighting report: Kish design effect, effective n, g range, residuals, trimming, plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.weighting import (
    InvalidWeightsError,
    MissingValuesError,
    rake,
    trim_weights,
    weighting_report,
)


def test_kish_design_effect_and_effective_sample_size() -> None:
    report = weighting_report([1.0, 1.0, 2.0, 4.0], domains=["a", "b", "a", "b"])
    summary = report.summary.set_index("domain")
    # overall: n Σw² / (Σw)² = 4·22/64; n_eff = 64/22
    assert summary.loc["(all)", "deff"] == pytest.approx(88 / 64)
    assert summary.loc["(all)", "n_effective"] == pytest.approx(64 / 22)
    assert summary.loc["(all)", "cv"] == pytest.approx(np.sqrt(88 / 64 - 1))
    # domain b = {1, 4}: 2·17/25
    assert summary.loc["b", "deff"] == pytest.approx(34 / 25)
    assert summary.loc["a", "total"] == 3.0
    assert (summary.loc["a", "min"], summary.loc["b", "max"]) == (1.0, 4.0)
    assert report.g_range is None and report.n_trimmed is None


def test_equal_weights_have_no_design_effect() -> None:
    report = weighting_report(np.full(10, 3.5))
    assert report.summary["deff"].iloc[0] == pytest.approx(1.0)
    assert report.summary["n_effective"].iloc[0] == pytest.approx(10.0)


def _raked_and_trimmed() -> tuple[pd.DataFrame, object, object]:
    data = pd.DataFrame({"sex": ["f", "m", "f", "m", "f"], "w": [1.0, 2.0, 3.0, 4.0, 5.0]})
    margins = pd.DataFrame({"variable": ["sex", "sex"], "level": ["f", "m"],
                            "target": [50.0, 50.0]})
    raked = rake(data, weights="w", margins=margins)
    trimmed = trim_weights(raked.weights, upper=20.0)
    return data, raked, trimmed


def test_report_of_a_calibration_and_a_trimming(tmp_path: Path) -> None:
    data, raked, trimmed = _raked_and_trimmed()
    report = weighting_report(trimmed.weights, domains=data["sex"], calibration=raked,
                              trimming=trimmed)
    assert report.g_range == pytest.approx((50 / 9, 50 / 6))
    assert report.n_trimmed == trimmed.n_trimmed == 2
    text = str(report)
    assert "trimmed units: 2" in text
    assert "g-weights: 5.55556 to 8.33333" in text
    assert "largest relative margin error" in text
    frame = report.to_frame()
    overall = frame[frame["domain"] == "(all)"].iloc[0]
    assert (overall["n_trimmed"], overall["g_max"]) == (2.0, pytest.approx(50 / 6))
    assert frame.loc[frame["domain"] == "f", "n_trimmed"].isna().all()
    png = report.plot(tmp_path / "weights.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_rejects_bad_input() -> None:
    with pytest.raises(InvalidWeightsError):
        weighting_report([1.0, -1.0])
    with pytest.raises(MissingValuesError):
        weighting_report([1.0, 2.0], domains=["a", None])
