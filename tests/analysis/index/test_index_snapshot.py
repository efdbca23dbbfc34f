"""Canonical frame hashes, snapshots and their verification."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_fixtures import points_frame

from analysis.index.compute import IndexResult, compute_index
from analysis.index.snapshot import (
    Snapshot,
    SnapshotError,
    SnapshotMismatchError,
    code_version,
    frame_hash,
    take_snapshot,
    verify_snapshot,
)
from questionnaires.scheme import Scheme

FRAME = pd.DataFrame(
    {
        "unit": ["A", "B", "C"],
        "q1": ["4", None, "dk"],
        "w": [1.5, 2.0, np.nan],
        "n": [1, 2, 3],
        "ok": [True, False, True],
    }
)


def test_row_and_column_order_and_index_do_not_matter() -> None:
    shuffled = FRAME.iloc[[2, 0, 1], ::-1].set_index(pd.Index([7, 8, 9]))
    assert frame_hash(shuffled) == frame_hash(FRAME)


def test_dtype_spelling_does_not_matter_but_values_do() -> None:
    respelled = FRAME.astype({"n": "Int64", "unit": object})
    assert frame_hash(respelled) == frame_hash(FRAME)
    assert frame_hash(FRAME.assign(n=[1.0, 2.0, 3.0])) == frame_hash(FRAME)
    assert frame_hash(FRAME.assign(n=[1, 2, 4])) != frame_hash(FRAME)
    assert frame_hash(FRAME.assign(q1=["4", "", "dk"])) != frame_hash(FRAME)  # "" is not missing
    assert frame_hash(FRAME.rename(columns={"w": "weight"})) != frame_hash(FRAME)
    assert frame_hash(FRAME.assign(ok=[1, 0, 1])) != frame_hash(FRAME)  # booleans are typed
    assert frame_hash(FRAME.assign(unit=["1", "2", "3"])) != frame_hash(
        FRAME.assign(unit=[1, 2, 3])
    )


def test_hash_is_the_documented_serialisation() -> None:
    frame = pd.DataFrame({"b": [2.5, -0.0], "a": ["x", None]})
    payload = json.dumps(
        {
            "columns": ["a", "b"],
            "rows": sorted(
                [[["s", "x"], ["n", "2.5"]], [None, ["n", "0"]]],
                key=lambda r: json.dumps(r, ensure_ascii=False),
            ),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    import hashlib

    assert frame_hash(frame) == "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


def test_significant_digits_absorb_last_bit_noise() -> None:
    a = pd.DataFrame({"x": [0.1 + 0.2]})
    b = pd.DataFrame({"x": [0.3]})
    assert frame_hash(a) != frame_hash(b)
    assert frame_hash(a, significant=12) == frame_hash(b, significant=12)


def test_unhashable_cells_and_repeated_columns_are_refused() -> None:
    with pytest.raises(SnapshotError, match="cannot hash a cell of type list"):
        frame_hash(pd.DataFrame({"x": [[1, 2]]}))
    with pytest.raises(SnapshotError, match="column names repeat"):
        frame_hash(pd.DataFrame([[1, 2]], columns=["x", "x"]))


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=4),
            st.one_of(st.none(), st.floats(allow_nan=False)),
            st.integers(-5, 5),
        ),
        min_size=1,
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_hash_ignores_row_order(rows: list[tuple[str, float | None, int]], rng: object) -> None:
    frame = pd.DataFrame(rows, columns=["s", "f", "i"])
    order = list(range(len(rows)))
    rng.shuffle(order)  # type: ignore[attr-defined]
    assert frame_hash(frame.iloc[order]) == frame_hash(frame)


def index_result(scheme: Scheme, survey_a: float = 20.0) -> IndexResult:
    appraised = {(u, c): 10.0 for u in ("A", "B") for c in ("1.1", "1.2.1", "2.2")}
    return compute_index(
        scheme,
        year=2024,
        units=["A", "B"],
        appraised=points_frame(appraised),
        survey=points_frame({("A", "2.1"): survey_a, ("B", "2.1"): 10.0}),
        statistics=points_frame({("A", "1.2.2"): 1.0, ("B", "1.2.2"): 2.0}),
    )


def test_verify_passes_on_a_recomputation_and_names_what_differs(scheme: Scheme) -> None:
    inputs = {"responses": FRAME, "self_scores": points_frame({("A", "1.1"): 10.0})}
    definitions = {"questionnaire:par_leaders": "sha256:abc"}
    snapshot = take_snapshot(
        index_result(scheme), inputs=inputs, definitions=definitions, code="v1"
    )
    assert snapshot.definitions["scheme"] == scheme.content_hash
    verify_snapshot(
        snapshot, index_result(scheme), inputs=inputs, definitions=definitions, code="v1"
    )
    restored = Snapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))
    assert restored == snapshot

    changed_inputs = {**inputs, "responses": FRAME.assign(w=[1.5, 2.0, 3.0])}
    with pytest.raises(SnapshotMismatchError) as caught:
        verify_snapshot(
            snapshot,
            index_result(scheme, survey_a=21.0),
            inputs=changed_inputs,
            definitions={},
            code="v2",
        )
    parts = [d.part for d in caught.value.differences]
    assert parts == [
        "code version",
        "definition questionnaire:par_leaders",
        "input responses",
        "result nodes",
        "result units",
    ]
    assert "definition questionnaire:par_leaders: missing from the recomputation" in str(
        caught.value
    )


def test_code_version_hashes_the_package_sources(tmp_path: Path) -> None:
    for package in ("analysis", "questionnaires"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("x = 1\n")
    first = code_version(tmp_path)
    assert first == code_version(tmp_path)
    (tmp_path / "analysis" / "__init__.py").write_text("x = 2\n")
    assert code_version(tmp_path) != first
    assert code_version().startswith("sha256:")
