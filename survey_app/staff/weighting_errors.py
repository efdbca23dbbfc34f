"""What a failed weighting run's page says: the failure stored with the run (its kind, code,
stage, group, variable, level and values; ``weighting_jobs.describe_failure``) explained in the
reader's language, with what to do about it.

Each ``analysis`` error code and each set-up code of ``survey_app.weighting_runs`` has its own
explanation; an unknown code gets a general one with the technical message (in English, as the
``analysis`` package writes it) shown beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from survey_app.formatting import significant


@dataclass(frozen=True)
class Explanation:
    """A failure explained: what happened, what to do, the technical message, and the last
    iterations of a fit that did not converge (numbered from ``first_iteration``)."""

    problem: str
    remedy: str
    technical: str
    history: tuple[float, ...] = ()
    first_iteration: int = 1


def _value(values: Mapping[str, Any], key: str) -> Any:
    """A value of a stored failure, or — when it was not recorded."""
    value = values.get(key)
    return "—" if value is None or value == "" else value


def _listed(values: Any) -> str:
    """Values as a comma-separated list (— when there are none)."""
    return ", ".join(str(value) for value in values or []) or "—"


def _stage_name(stage: str | None) -> str:
    """The interface name of a run's stage."""
    names: dict[str, str] = {
        "load": gettext("reading the responses"),
        "design": gettext("design weights"),
        "nonresponse": gettext("non-response adjustment"),
        "rake": gettext("raking"),
        "trim": gettext("trimming"),
        "report": gettext("the report"),
    }
    return names.get(stage or "", stage or "—")


Explainer = Callable[[Mapping[str, Any]], tuple[str, str]]


def _setup_explainers() -> dict[str, Explainer]:
    """The explanation of each set-up failure code, given its parameters."""
    return {
        "no_responses": lambda p: (
            gettext("The round has no responses yet."),
            gettext("Weight the round once responses have come in."),
        ),
        "no_frame": lambda p: (
            gettext("The round has no sampling frame, or every cell has a population of 0."),
            gettext("Import the frame (units, groups, strata and population N) on the frame page."),
        ),
        "no_unit": lambda p: (
            gettext(
                "%(count)d responses have no unit, so they belong to no cell of the frame.",
                count=_value(p, "count"),
            ),
            gettext(
                "Offer the questionnaire per unit or give it a unit question, so every response "
                "has a unit."
            ),
        ),
        "over_target": lambda p: (
            gettext(
                "Cell %(cell)s has %(responses)d responses, more than its target sample size "
                "%(target)d.",
                cell=_value(p, "cell"),
                responses=_value(p, "responses"),
                target=_value(p, "target"),
            ),
            gettext(
                "Use the number of responses as n, or correct the target sample size in the frame."
            ),
        ),
        "margin_gone": lambda p: (
            gettext(
                "Group %(group)s no longer has a population margin “%(variable)s”.",
                group=_value(p, "group"),
                variable=_value(p, "variable"),
            ),
            gettext("The margins were imported again since; start a new run."),
        ),
        "unknown_source": lambda p: _not_carried(p),
        "variable_not_carried": lambda p: _not_carried(p),
        "not_numeric": lambda p: (
            gettext(
                "Margin “%(variable)s” of group %(group)s is a numeric total, but %(source)s "
                "holds “%(value)s”.",
                variable=_value(p, "variable"),
                group=_value(p, "group"),
                source=_value(p, "source"),
                value=_value(p, "value"),
            ),
            gettext("Read a numeric total from a number item."),
        ),
        "group_without_responses": lambda p: (
            gettext("Group %(group)s is raked but has no responses.", group=_value(p, "group")),
            gettext("Leave that group's margins out."),
        ),
    }


def _not_carried(params: Mapping[str, Any]) -> tuple[str, str]:
    """A margin variable read from a source no response has."""
    return (
        gettext(
            "No response of group %(group)s carries margin variable “%(variable)s” (read from "
            "%(source)s).",
            group=_value(params, "group"),
            variable=_value(params, "variable"),
            source=_value(params, "source"),
        ),
        gettext(
            "Choose the item the variable comes from, or leave the variable out of the raking."
        ),
    )


def _analysis_explainers() -> dict[str, Explainer]:
    """The explanation of each ``analysis`` error code, given the stored failure."""
    return {
        "margin_level_empty": lambda f: (
            gettext(
                "Level “%(level)s” of margin “%(variable)s” has no response in group "
                "%(group)s, so no weight can stand for it.",
                level=_value(f, "level"),
                variable=_value(f, "variable"),
                group=_value(f, "group"),
            ),
            gettext(
                "Tick “Merge a margin level that has no responses into its neighbouring "
                "level”, leave the variable out, or correct the margins."
            ),
        ),
        "margin_level_unknown": lambda f: (
            gettext(
                "Margin “%(variable)s” has a target for level “%(level)s”, which no response "
                "of group %(group)s gave. The responses have: %(levels)s.",
                variable=_value(f, "variable"),
                level=_value(f, "level"),
                group=_value(f, "group"),
                levels=_listed(f.get("expected")),
            ),
            gettext(
                "Levels are the answers' codes: correct the level in the margins file and "
                "import it again, or check that the variable reads the right item."
            ),
        ),
        "margin_level_untargeted": lambda f: (
            gettext(
                "Responses of group %(group)s give level “%(level)s” of “%(variable)s”, which "
                "has no target. The margins have: %(levels)s.",
                group=_value(f, "group"),
                level=_value(f, "level"),
                variable=_value(f, "variable"),
                levels=_listed(f.get("expected")),
            ),
            gettext(
                "Add the level's population total to the margins file, or check that the "
                "variable reads the right item."
            ),
        ),
        "collapse_impossible": lambda f: (
            gettext("A margin level could not be merged into another."),
            gettext("Correct the margins, or leave the variable out."),
        ),
        "not_converged": lambda f: (
            gettext(
                "The %(stage)s of group %(group)s did not converge in %(iterations)d "
                "iterations (last largest relative error %(error)s).",
                stage=_stage_name(f.get("stage")),
                group=f.get("group") or "—",
                iterations=f.get("iterations", 0),
                error=significant(f["history"][-1]) if f.get("history") else "—",
            ),
            gettext(
                "If the error was still falling, raise the maximum number of iterations. "
                "Otherwise some combinations of levels have no responses: merge sparse levels "
                "or leave a variable out."
            ),
        ),
        "margin_totals_disagree": lambda f: (
            gettext(
                "The margins of group %(group)s add up to different totals.",
                group=f.get("group") or "—",
            ),
            gettext(
                "The levels of every variable must add up to the group's population; correct "
                "the margins file."
            ),
        ),
        "margin_target_zero": lambda f: (
            gettext(
                "Level “%(level)s” of “%(variable)s” has a target of 0 but responses in group "
                "%(group)s.",
                level=_value(f, "level"),
                variable=_value(f, "variable"),
                group=_value(f, "group"),
            ),
            gettext("Raking cannot give them a weight of 0: correct the target."),
        ),
        "missing_values": lambda f: (
            gettext(
                "%(count)s responses of group %(group)s have no value for “%(variable)s”.",
                count=_listed(f.get("got")),
                group=f.get("group") or "—",
                variable=f.get("variable") or "—",
            ),
            gettext("Leave the variable out, or read it from an item every respondent answers."),
        ),
        "frame_mismatch": lambda f: (
            gettext(
                "Responses fall in the cell %(cell)s, which the frame does not have or which "
                "has fewer people than responses.",
                cell=str(f.get("level") or "—").replace(":", " · "),
            ),
            gettext("Add the cell to the frame with its population, or correct its population."),
        ),
        "nonresponse_class_empty": lambda f: (
            gettext(
                "The non-response class %(level)s has no response to carry its weight.",
                level=str(f.get("level") or "—").replace(":", " · "),
            ),
            gettext("Tick fewer class columns, or use the number of responses as n."),
        ),
        "bounds_infeasible": lambda f: (
            gettext(
                "No weights within the trimming bounds keep the total of group %(group)s.",
                group=f.get("group") or "—",
            ),
            gettext("Widen the trimming bounds."),
        ),
    }


def explain(failure: Mapping[str, Any]) -> Explanation:
    """The explanation of a stored failure (``report["error"]`` of a failed run)."""
    technical = str(failure.get("message") or "")
    if failure.get("hint"):
        technical = f"{technical} ({failure['hint']})"
    kind, code = failure.get("kind"), str(failure.get("code"))
    explainer: Explainer | None = None
    values: Mapping[str, Any] = failure
    if kind == "setup":
        explainer = _setup_explainers().get(code)
        values = failure.get("params") or {}
    elif kind == "analysis":
        explainer = _analysis_explainers().get(code)
    history = tuple(float(value) for value in failure.get("history") or ())
    first = int(failure.get("iterations") or len(history)) - len(history) + 1
    if explainer is not None:
        problem, remedy = explainer(values)
        return Explanation(problem, remedy, technical, history, first)
    if kind == "internal":
        return Explanation(
            gettext("The run stopped because of an internal error."),
            gettext(
                "Try again; if it fails again, tell the administrator (the server log has "
                "the details)."
            ),
            technical,
        )
    return Explanation(
        gettext(
            "The weighting failed at the step: %(stage)s.", stage=_stage_name(failure.get("stage"))
        ),
        gettext(
            "Read the technical message below, correct the settings or the data, and run again."
        ),
        technical,
        history,
        first,
    )
