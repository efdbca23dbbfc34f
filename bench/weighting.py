"""Speed benchmark: rake a million respondents and estimate domain means with design SEs.

    .venv/bin/python bench/weighting.py [--respondents 1000000] [--repeat 3] [--skip-r] [--skip-svy]

Generates (fixed seed, in a child process: a process reports at least the peak memory of the
one it was forked from, so the timing parent stays small) a stratified two-stage survey:
34 strata, about 1,000 PSUs, respondents with sex, 4 age bands, urban/rural ``area``, a 5-level
``q1`` and ``satisfied = q1 ≥ 4``, plus a margins CSV (population totals of sex, age and area).
Then, as whole processes timed from start to exit (wall time, and peak resident memory from
``wait4``), runs the same job in:

(a) ours:  ``python -m analysis estimate --rake … --mean q1 --mean satisfied --by area``
(b) R survey 4.1: ``data.table::fread``, ``calibrate(calfun="raking")``, ``svyby(svymean)``
(c) svy:  ``Sample.weighting.rake`` and ``estimation.mean(by=…)``

and prints the figures (best of ``--repeat`` runs: wall time, CPU time user+sys, peak memory),
the ratios, the load average before and after (the machine is shared: wall-time ratios under
load measure the contention as much as the jobs), and how far the three agree on the estimates
(and R and we on the standard errors: both linearise through the raking; svy's Taylor SEs treat
the raked weights as design weights).
Files go to bench/out/ (git-ignored). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SEED = 20261122
STRATA = 34
PSU_RANGE = (25, 35)
AGE_BANDS = ("18-29", "30-44", "45-59", "60+")
POPULATION = 62_000_000
POPULATION_SHARES = {
    "sex": {"female": 0.51, "male": 0.49},
    "age": {"18-29": 0.28, "30-44": 0.30, "45-59": 0.24, "60+": 0.18},
    "area": {"rural": 0.62, "urban": 0.38},
}
AGREEMENT_RTOL = 1e-6
OURS, R, SVY = "ours (python -m analysis)", "R survey (Rscript)", "svy (Python)"
JOB_ENVIRONMENT = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": str(OUT / "pycache"),
}
"""The jobs' environment: Python caches compiled bytecode (in bench/out/pycache), as for an
installed package, even where PYTHONDONTWRITEBYTECODE is set (as in the development sandbox:
the source tree's modules would be recompiled at every start, about 30 ms for the command)."""

R_JOB = r"""
suppressMessages({library(survey); library(data.table)})
args <- commandArgs(trailingOnly = TRUE)
d <- fread(args[1])
m <- fread(args[2], colClasses = c(level = "character"))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
mm <- model.matrix(~sex + age + area, d[1:2000])
pop <- sapply(colnames(mm), function(col) {
  if (col == "(Intercept)") return(sum(m$target[m$variable == "sex"]))
  m$target[paste0(m$variable, m$level) == col]
})
cal <- calibrate(des, ~sex + age + area, pop, calfun = "raking")
r <- svyby(~q1 + satisfied, ~area, cal, svymean)
out <- data.frame(variable = rep(c("q1", "satisfied"), each = nrow(r)),
                  domain = rep(as.character(r$area), 2),
                  estimate = c(r$q1, r$satisfied), se = c(r$se.q1, r$se.satisfied))
write.csv(out, stdout(), row.names = FALSE)
"""

SVY_JOB = r"""
import json, sys
import polars as pl
import svy
data = pl.read_csv(sys.argv[1])
margins = pl.read_csv(sys.argv[2], schema_overrides={"level": pl.Utf8})
controls = {}
for row in margins.iter_rows(named=True):
    controls.setdefault(row["variable"], {})[row["level"]] = row["target"]
sample = svy.Sample(data=data, design=svy.Design(stratum="stratum", psu="psu", wgt="weight"))
sample = sample.weighting.rake(controls=controls, tol=1e-10, max_iter=1000)
out = []
for est in sample.estimation.mean(["q1", "satisfied"], by="area"):
    for row in est.to_dicts():
        out.append({"variable": row["y"], "domain": str(row["by_level"][0]),
                    "estimate": row["est"], "se": row["se"]})
print(json.dumps(out))
"""


def generate(respondents: int, rng: np.random.Generator) -> pd.DataFrame:
    """The synthetic survey (see the module docstring)."""
    psus_per_stratum = rng.integers(PSU_RANGE[0], PSU_RANGE[1] + 1, size=STRATA)
    psu_stratum = np.repeat(np.arange(STRATA), psus_per_stratum)
    n_psu = psu_stratum.size
    relative_size = rng.uniform(0.5, 1.5, n_psu)
    sizes = rng.multinomial(respondents, relative_size / relative_size.sum())
    psu = np.repeat(np.arange(n_psu), sizes)
    stratum = psu_stratum[psu]
    urban_share = rng.uniform(0.2, 0.7, STRATA)[stratum]
    female = rng.random(respondents) < 0.55
    age = rng.choice(4, size=respondents, p=[0.22, 0.27, 0.28, 0.23])
    urban = rng.random(respondents) < urban_share
    psu_weight = rng.uniform(30.0, 90.0, n_psu)[psu]
    weight = np.round(psu_weight * rng.uniform(0.8, 1.2, respondents), 3)
    latent = (
        3.0
        + 0.3 * urban
        - 0.2 * (age == 3)
        + 0.1 * female
        + rng.normal(0.0, 0.2, STRATA)[stratum]
        + rng.normal(0.0, 0.3, n_psu)[psu]
        + rng.normal(0.0, 1.0, respondents)
    )
    q1 = np.clip(np.round(latent), 1, 5).astype(np.int64)
    stratum_labels = np.array([f"S{h + 1:02d}" for h in range(STRATA)])
    psu_labels = np.array([f"{stratum_labels[psu_stratum[j]]}-P{j + 1:04d}" for j in range(n_psu)])
    return pd.DataFrame(
        {
            "id": np.arange(1, respondents + 1),
            "stratum": stratum_labels[stratum],
            "psu": psu_labels[psu],
            "sex": np.where(female, "female", "male"),
            "age": np.array(AGE_BANDS)[age],
            "area": np.where(urban, "urban", "rural"),
            "weight": weight,
            "q1": q1,
            "satisfied": (q1 >= 4).astype(np.int64),
        }
    )


def margins() -> pd.DataFrame:
    """Population totals of sex, age band and area."""
    rows = [
        (variable, level, POPULATION * share)
        for variable, shares in POPULATION_SHARES.items()
        for level, share in shares.items()
    ]
    return pd.DataFrame(rows, columns=["variable", "level", "target"])


@dataclass(frozen=True)
class Run:
    """One timed process."""

    name: str
    seconds: float
    cpu_seconds: float
    peak_mib: float
    stdout: str


def _timed_once(name: str, command: list[str]) -> Run:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env=JOB_ENVIRONMENT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{name} failed ({process.returncode}):\n{err.read()[-3000:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return Run(name, seconds, cpu, usage.ru_maxrss / 1024.0, out.read())


def timed(jobs: dict[str, list[str]], repeat: int) -> list[Run]:
    """Run each job ``repeat`` times in a row; per job the fastest run's wall time, the smallest
    CPU time and the largest peak RSS of the child (``wait4``).

    Runs of a job follow each other rather than alternate with the other jobs: on this VM a
    process started right after a large one exits (R, svy: 550–870 MiB) pays for the kernel
    compacting memory into the huge pages numpy and Arrow's allocator ask for, about 0.4 s of
    system time, which would land on every run of a short job and on none of a long one."""
    results = []
    for name, command in jobs.items():
        runs = [_timed_once(name, command) for _ in range(repeat)]
        results.append(_best(name, runs))
    return results


def _best(name: str, runs: list[Run]) -> Run:
    best = min(runs, key=lambda r: r.seconds)
    return Run(
        name,
        best.seconds,
        min(r.cpu_seconds for r in runs),
        max(r.peak_mib for r in runs),
        best.stdout,
    )


def _table(records: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(records)[["variable", "domain", "estimate", "se"]]
    return frame.sort_values(["variable", "domain"]).reset_index(drop=True)


def _max_rel(a: pd.Series, b: pd.Series) -> float:
    return float(np.max(np.abs(a.to_numpy(float) - b.to_numpy(float)) / np.abs(b.to_numpy(float))))


def main() -> None:
    """Generate, run the three jobs, print figures, ratios and agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per job; the best counts")
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-svy", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data_path, margins_path = OUT / "survey.csv", OUT / "margins.csv"
    if args.generate_only:
        frame = generate(args.respondents, np.random.default_rng(SEED))
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), data_path)
        margins().to_csv(margins_path, index=False)
        print(
            f"survey: {len(frame):,} respondents, {frame['stratum'].nunique()} strata, "
            f"{frame['psu'].nunique()} PSUs -> {data_path.relative_to(ROOT)}"
        )
        return
    # generated in a child: a process reports at least the peak memory of the one it was
    # forked from, so the timing parent must not hold the million-row frame
    subprocess.run(
        [sys.executable, __file__, "--generate-only", "--respondents", str(args.respondents)],
        check=True,
    )
    ours_cmd = [
        sys.executable, "-m", "analysis", "estimate", "--data", str(data_path),
        "--weight", "weight", "--strata", "stratum", "--psu", "psu",
        "--rake", str(margins_path), "--mean", "q1", "--mean", "satisfied", "--by", "area",
        "--format", "json",
    ]
    jobs = {OURS: ours_cmd}
    if not args.skip_r:
        r_script = OUT / "job.R"
        r_script.write_text(R_JOB)
        jobs[R] = ["Rscript", str(r_script), str(data_path), str(margins_path)]
    if not args.skip_svy:
        svy_script = OUT / "job_svy.py"
        svy_script.write_text(SVY_JOB)
        jobs[SVY] = [sys.executable, str(svy_script), str(data_path), str(margins_path)]
    load_before = os.getloadavg()
    runs = timed(jobs, args.repeat)
    load_after = os.getloadavg()
    tables = {}
    for run in runs:
        if run.name == R:
            tables["R"] = _table(pd.read_csv(io.StringIO(run.stdout)).to_dict("records"))
        else:
            tables["ours" if run.name == OURS else "svy"] = _table(json.loads(run.stdout))
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    print(
        f"\n{'job (best of ' + str(args.repeat) + ')':<28}{'wall s':>9}{'CPU s':>9}"
        f"{'peak MiB':>10}{'wall ratio':>12}{'CPU ratio':>11}"
    )
    for run in runs:
        print(
            f"{run.name:<28}{run.seconds:>9.2f}{run.cpu_seconds:>9.2f}{run.peak_mib:>10.0f}"
            f"{run.seconds / runs[0].seconds:>11.1f}x"
            f"{run.cpu_seconds / runs[0].cpu_seconds:>10.1f}x"
        )
    print("\nestimates (ours):")
    print(tables["ours"].to_string(index=False))
    for peer, table in tables.items():
        if peer == "ours":
            continue
        est = _max_rel(tables["ours"]["estimate"], table["estimate"])
        se = _max_rel(tables["ours"]["se"], table["se"])
        verdict = "agree" if est < AGREEMENT_RTOL else "DISAGREE"
        print(f"vs {peer}: estimates max rel diff {est:.2e} ({verdict}); SEs {se:.2e}")


if __name__ == "__main__":
    main()
