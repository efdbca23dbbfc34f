"""A million rows rake on sex × age band × area to every margin: the relative tolerance converges
where an absolute one on totals of 1e8 could not (speed is measured in bench/weighting.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.weighting import rake

ROWS = 1_000_000


def test_a_million_rows_rake_to_their_margins() -> None:
    rng = np.random.default_rng(5)
    data = pd.DataFrame(
        {
            "sex": np.array(["female", "male"])[rng.integers(0, 2, ROWS)],
            "age": np.array(["18-29", "30-44", "45-59", "60+"])[rng.integers(0, 4, ROWS)],
            "area": np.array(["urban", "rural"])[(rng.random(ROWS) < 0.6).astype(int)],
            "w": rng.uniform(20.0, 120.0, ROWS),
        }
    )
    margins = pd.DataFrame(
        {
            "variable": ["sex"] * 2 + ["age"] * 4 + ["area"] * 2,
            "level": ["female", "male", "18-29", "30-44", "45-59", "60+", "urban", "rural"],
            "target": [51.6e6, 48.4e6, 22e6, 28e6, 27e6, 23e6, 38e6, 62e6],
        }
    )
    result = rake(data, weights="w", margins=margins)
    final = data.assign(final=result.weights)
    for row in margins.itertuples():
        achieved = final.groupby(row.variable)["final"].sum()[row.level]
        assert abs(achieved / row.target - 1) < 1e-9
    assert result.trace.model.rows == 16
