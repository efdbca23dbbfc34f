"""``python -m analysis``: raking, design-based estimates and the weighting report on a file.

Commands (DESIGN.md's contracts)::

    rake      --data FILE --weight COL --margins MARGINS.csv --out OUT
    estimate  --data FILE --weight COL [--strata COL] [--psu COL] [--fpc COL] [--nest]
              [--lonely-psu POLICY] [--rake MARGINS.csv] [--mean VAR …] [--proportion VAR=LEVEL …]
              [--by COL] [--level 0.95] [--format json|table|csv]
    report    --data FILE --weight COL [--margins MARGINS.csv] [--by COL]

``FILE`` is CSV or Parquet; ``MARGINS.csv`` has columns ``variable,level,target`` (population
totals). ``rake`` writes the input plus ``raked_weight``. ``estimate`` prints one record per
variable and domain: ``{variable, domain, estimate, se, ci_low, ci_high, n, deff}``; with
``--rake`` the weights are raked first and the standard errors account for that calibration
(:mod:`analysis.estimation`). Bad input (a missing file or column, inconsistent design,
unattainable margins) prints one ``error:`` line on stderr and exits with status 2. A progress
bar appears on stderr only when it is a terminal and the job has run for over a second.

Start-up is part of every job's time, so ``estimate`` reads the file straight into arrays
(:func:`analysis.io.read_columns`) and, on a CSV file, never imports pandas, matplotlib or
SciPy (SciPy only for the t quantiles of proportions; reading Parquet imports pandas through
pyarrow); pandas is imported by the commands that write a frame or print a table, the
weighting package only by the commands that rake, tqdm only for a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

from analysis.design import LONELY_PSU_POLICIES, SurveyDesign, require_columns
from analysis.errors import AnalysisError
from analysis.estimation import Estimate, mean, proportion
from analysis.io import read_columns, read_frame, write_frame

if TYPE_CHECKING:
    from analysis.weighting import Margins

EXIT_BAD_INPUT = 2
PROGRESS_DELAY_SECONDS = 1.0
"""A progress bar shows only once a job has run this long."""
RAKED_COLUMN = "raked_weight"
OUTPUT_FIELDS = ("variable", "domain", "estimate", "se", "ci_low", "ci_high", "n", "deff")


class UsageError(AnalysisError):
    """The command line itself is wrong."""

    code = "usage"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analysis", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def data_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--data", required=True, help="respondents, CSV or Parquet")
        sub.add_argument("--weight", required=True, help="design-weight column")

    raking = commands.add_parser("rake", help="rake weights to population margins")
    data_options(raking)
    raking.add_argument("--margins", required=True, help="variable,level,target CSV")
    raking.add_argument("--out", required=True, help="output file (.csv or .parquet)")

    estimate = commands.add_parser("estimate", help="means and proportions with design SEs")
    data_options(estimate)
    estimate.add_argument("--strata", help="stratum column")
    estimate.add_argument("--psu", help="first-stage cluster column")
    estimate.add_argument("--fpc", help="first-stage population size or sampling fraction")
    estimate.add_argument("--nest", action="store_true", help="PSU labels repeat across strata")
    estimate.add_argument(
        "--lonely-psu", default="fail", choices=LONELY_PSU_POLICIES, help="single-PSU strata"
    )
    estimate.add_argument("--rake", metavar="MARGINS.csv", help="rake to these margins first")
    estimate.add_argument("--mean", action="append", default=[], metavar="VAR")
    estimate.add_argument("--proportion", action="append", default=[], metavar="VAR=LEVEL")
    estimate.add_argument("--by", help="domain column")
    estimate.add_argument("--level", type=float, default=0.95, help="confidence level")
    estimate.add_argument("--format", choices=("json", "table", "csv"), default="json")

    report = commands.add_parser("report", help="print the weighting report")
    data_options(report)
    report.add_argument("--margins", help="rake to these margins and report the fit")
    report.add_argument("--by", help="also summarise the weights per domain")
    return parser


def _margins(path: str) -> Margins:
    from analysis.weighting import Margins

    return Margins.from_frame(read_columns(path, text_columns=("level",)))


def _margin_variables(margins: Margins) -> list[str]:
    return [m.variable for m in margins.categorical] + [m.variable for m in margins.numeric]


def _proportion_spec(text: str) -> tuple[str, str]:
    variable, sep, level = text.partition("=")
    if not sep or not variable or not level:
        raise UsageError(
            f"--proportion expects VAR=LEVEL, got `{text}`", expected="VAR=LEVEL", got=text
        )
    return variable, level


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], object]]:
    """A function to advance a progress bar of ``total`` steps by some steps."""
    if not sys.stderr.isatty():
        yield lambda steps: None
        return
    from tqdm import tqdm

    with tqdm(
        total=total, file=sys.stderr, delay=PROGRESS_DELAY_SECONDS, leave=False, unit="step"
    ) as bar:
        yield bar.update


def _rake(args: argparse.Namespace) -> None:
    from analysis.weighting import rake

    margins = _margins(args.margins)
    frame = read_frame(args.data)
    require_columns(frame, [args.weight, *_margin_variables(margins)], role="data")
    result = rake(frame, weights=args.weight, margins=margins)
    write_frame(frame.assign(**{RAKED_COLUMN: result.weights}), args.out)


def _estimate(args: argparse.Namespace) -> list[Estimate]:
    proportions = [_proportion_spec(p) for p in args.proportion]
    if not args.mean and not proportions:
        raise UsageError("nothing to estimate: give --mean VAR or --proportion VAR=LEVEL")
    with _progress(2 + len(args.mean) + len(proportions)) as advance:
        margins = _margins(args.rake) if args.rake else None
        named = [args.weight, *args.mean, *(v for v, _ in proportions)]
        named += [c for c in (args.strata, args.psu, args.fpc, args.by) if c]
        if margins is not None:
            named += _margin_variables(margins)
        frame = read_columns(args.data, columns=named)
        advance(1)
        design = SurveyDesign.from_frame(
            frame,
            weights=args.weight,
            strata=args.strata,
            psu=args.psu,
            fpc=args.fpc,
            nest=args.nest,
            lonely_psu=args.lonely_psu,
        )
        if margins is not None:
            from analysis.weighting import rake

            design = design.calibrated(rake(frame, weights=design.weights, margins=margins))
        advance(1)
        estimates: list[Estimate] = []
        if args.mean:
            estimates += mean(design, args.mean, by=args.by, level=args.level)
            advance(len(args.mean))
        for variable, level in proportions:
            estimates += proportion(design, variable, level, by=args.by, level=args.level)
            advance(1)
    return estimates


def _print_estimates(estimates: Sequence[Estimate], output_format: str) -> None:
    records = [e.to_record() for e in estimates]
    if output_format == "json":
        print(json.dumps(records, indent=2))
        return
    import pandas as pd

    table = pd.DataFrame(records, columns=list(OUTPUT_FIELDS))
    if output_format == "csv":
        print(table.to_csv(index=False), end="")
    else:
        print(table.to_string(index=False, na_rep="-", float_format="{:.6g}".format))


def _report(args: argparse.Namespace) -> None:
    from analysis.weighting import rake, weighting_report

    frame = read_frame(args.data)
    named = [args.weight, *([args.by] if args.by else [])]
    require_columns(frame, named, role="data")
    domains = frame[args.by].to_numpy() if args.by else None
    if args.margins:
        result = rake(frame, weights=args.weight, margins=_margins(args.margins))
        print(weighting_report(result.weights, domains=domains, calibration=result))
    else:
        weights = frame[args.weight].to_numpy(dtype=float, na_value=float("nan"))
        print(weighting_report(weights, domains=domains))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0, or 2 on bad input)."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "rake":
            _rake(args)
        elif args.command == "estimate":
            _print_estimates(_estimate(args), args.format)
        else:
            _report(args)
    except AnalysisError as error:
        print("error: " + " ".join(str(error).split()), file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
