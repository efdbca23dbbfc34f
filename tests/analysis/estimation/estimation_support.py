"""Loading the R reference fixtures of tests/reference/estimation and rebuilding their designs.

Every design row of ``designs.csv`` says how R built it; :func:`build_design` builds the same
design with our code (calibrations through :mod:`analysis.weighting`, replicates through
:mod:`analysis.replication` or R's exported bootstrap weights).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.design import SurveyDesign
from analysis.replication import ReplicateDesign, replicate_design
from analysis.weighting import CalibrationResult, calibrate, poststratify

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
DATA = REFERENCE / "data"
FIXTURES = REFERENCE / "estimation"
CALIBRATION_TOLERANCE = 1e-13


@cache
def read_data(name: str) -> pd.DataFrame:
    """A reference dataset, with the derived columns the R script uses (``psu_local``,
    ``stratum_merged``, and ``sch.wide=Yes`` for R's ``I(sch.wide == "Yes")``)."""
    frame = pd.read_csv(DATA / f"{name}.csv")
    if "sch.wide" in frame.columns:
        frame["sch.wide=Yes"] = (frame["sch.wide"] == "Yes").astype(float)
    if name == "generated":
        frame["psu_local"] = frame["psu"].str.split("-").str[1]
        frame["stratum_merged"] = frame["stratum"].where(frame["stratum"] != "S08", "S07")
    return frame


@cache
def read_fixture(name: str) -> pd.DataFrame:
    """A fixture table with empty cells kept as empty strings."""
    return pd.read_csv(FIXTURES / name, keep_default_na=False, dtype=str)


def number(text: str) -> float:
    """R's ``%.17g`` text (``NA``, ``Inf``, ``-Inf`` included) as a float."""
    special = {"NA": np.nan, "": np.nan, "Inf": np.inf, "-Inf": -np.inf}
    return special[text] if text in special else float(text)


def design_rows() -> list[dict[str, str]]:
    """The rows of designs.csv."""
    return read_fixture("designs.csv").to_dict("records")  # type: ignore[return-value]


def _margins(file: str) -> pd.DataFrame:
    margins = read_fixture(file).copy()
    margins["target"] = margins["target"].astype(float)
    return margins


def calibration_steps(name: str) -> list[dict[str, str]]:
    """The steps of one calibration, in order."""
    steps = read_fixture("calibrations.csv")
    chosen = steps[steps["calibration"] == name].sort_values("step")
    return chosen.to_dict("records")  # type: ignore[return-value]


def apply_step(frame: pd.DataFrame, weights: np.ndarray, step: dict[str, str]) -> CalibrationResult:
    """Run one calibration step of the fixtures with analysis.weighting."""
    margins = _margins(step["margins"])
    if step["method"] == "poststratify":
        by = step["by"].split("+")
        cells = margins["level"].str.split(":", expand=True)
        cells.columns = by
        population = pd.concat([cells, margins[["target"]]], axis=1)
        return poststratify(frame, weights=weights, by=by, population=population)
    bounds = (number(step["lower"]), number(step["upper"]))
    return calibrate(
        frame,
        weights=weights,
        margins=margins,
        method=step["method"],  # type: ignore[arg-type]
        bounds=bounds,
        tolerance=CALIBRATION_TOLERANCE,
    )


def _calibrate_weights(frame: pd.DataFrame, name: str, weights: np.ndarray) -> np.ndarray:
    for step in calibration_steps(name):
        weights = apply_step(frame, weights, step).weights
    return weights


def build_design(row: dict[str, str]) -> SurveyDesign | ReplicateDesign:
    """Our design for one row of designs.csv."""
    frame = read_data(row["data"])
    psu = row["psu"].split("+") if row["psu"] else None
    if row["replicates"] == "file":
        reps = pd.read_csv(FIXTURES / row["rep_file"])
        combined = pd.concat([frame, reps], axis=1)
        design: SurveyDesign | ReplicateDesign = ReplicateDesign.from_frame(
            combined,
            weights=row["weights"],
            replicates=list(reps.columns),
            scale=number(row["scale"]),
            mse=row["mse"] == "TRUE",
        )
    else:
        design = SurveyDesign.from_frame(
            frame,
            weights=row["weights"],
            strata=row["strata"] or None,
            psu=psu,
            fpc=row["fpc"] or None,
            nest=row["nest"] == "TRUE",
            lonely_psu=row["lonely_psu"],  # type: ignore[arg-type]
        )
        if row["replicates"]:
            design = replicate_design(
                design,
                method=row["replicates"],  # type: ignore[arg-type]
                mse=row["mse"] == "TRUE",
            )
    if not row["calibration"]:
        return design
    if isinstance(design, ReplicateDesign):
        return design.calibrated(lambda f, w: _calibrate_weights(f, row["calibration"], w))
    for step in calibration_steps(row["calibration"]):
        design = design.calibrated(apply_step(design.frame, design.weights.copy(), step))
    return design
