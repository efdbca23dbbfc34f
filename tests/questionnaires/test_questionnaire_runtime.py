"""Run-time helpers: relevance (chained, page-level), pruning, required rules, constraints and
whole-response checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from questionnaires import (
    Questionnaire,
    UnknownItemError,
    bundled_questionnaires,
    load_questionnaire,
    parse,
)
from questionnaires.answers import REQUIRED_MESSAGE
from questionnaires.model import ItemType

FEATURES = Path(__file__).parent / "fixtures" / "features"


def form(name: str) -> Questionnaire:
    return load_questionnaire(FEATURES / f"{name}.yaml")


def codes(questionnaire: Questionnaire, answers: dict[str, object]) -> list[str]:
    return [item.code for item in questionnaire.visible_items(answers)]


def test_chained_relevance_hides_the_whole_chain() -> None:
    chain = form("relevance_chain")
    assert codes(chain, {}) == ["q_parent", "q_note"]
    assert codes(chain, {"q_parent": "yes"}) == ["q_parent", "q_children", "q_note"]
    assert codes(chain, {"q_parent": "yes", "q_children": 3}) == [
        "q_parent",
        "q_children",
        "q_school",
        "q_note",
    ]
    # q_children still holds an answer, but it is hidden, so q_school is hidden too.
    stale = {"q_parent": "no", "q_children": 3, "q_school": "yes", "q_note": "x"}
    assert codes(chain, stale) == ["q_parent", "q_note"]
    assert not chain.is_relevant("q_school", stale)
    assert chain.prune_hidden(stale) == {"q_parent": "no", "q_note": "x"}


def test_prune_hidden_is_stable_and_keeps_visible_answers() -> None:
    chain = form("relevance_chain")
    answers: dict[str, object] = {"q_parent": "yes", "q_children": 1, "q_school": "no"}
    pruned = chain.prune_hidden(answers)
    assert pruned == {"q_parent": "yes", "q_children": 1}
    assert chain.prune_hidden(pruned) == pruned
    assert answers == {"q_parent": "yes", "q_children": 1, "q_school": "no"}  # not mutated


def test_prune_hidden_refuses_answers_to_unknown_items() -> None:
    with pytest.raises(UnknownItemError, match="does not have: q_other, q_zzz"):
        form("relevance_chain").prune_hidden({"q_zzz": 1, "q_parent": "no", "q_other": 2})


def test_page_relevance_hides_every_item_on_the_page() -> None:
    pages = form("page_relevance")
    assert codes(pages, {"q_used": "no"}) == ["q_used", "q_comment"]
    assert codes(pages, {}) == ["q_used", "q_comment"]  # unanswered: null counts as false
    assert not pages.is_page_relevant("online", {"q_used": "no"})
    assert pages.is_page_relevant("online", {"q_used": "yes"})
    assert codes(pages, {"q_used": "yes"}) == ["q_used", "q_portal", "q_comment"]
    answered = {"q_used": "yes", "q_portal": "dichvucong.gov.vn"}
    assert codes(pages, answered) == ["q_used", "q_portal", "q_again", "q_comment"]
    stale = {"q_used": "no", "q_portal": "x", "q_again": "yes", "q_comment": "ok"}
    assert pages.prune_hidden(stale) == {"q_used": "no", "q_comment": "ok"}


def test_required_follows_its_rule_and_relevance() -> None:
    required = form("required_expression")
    assert required.is_required("q_channel", {})
    assert not required.is_required("q_email", {})
    assert not required.is_required("q_email", {"q_channel": "phone"})
    assert required.is_required("q_email", {"q_channel": "email"})
    chain = form("relevance_chain")
    assert not chain.is_required("q_children", {"q_parent": "no"})  # hidden: never required
    assert chain.is_required("q_children", {"q_parent": "yes"})
    assert not chain.is_required("q_note", {})


def test_constraint_message_checks_the_type_and_bounds_first() -> None:
    constraints = form("constraints")
    message = constraints.constraint_message("q_total", 101, {})
    assert message is not None and message.en == "The answer must be at most 100."
    message = constraints.constraint_message("q_total", -1, {})
    assert message is not None and message.vi == "Giá trị không được nhỏ hơn 0."
    message = constraints.constraint_message("q_total", 2.5, {})
    assert message is not None and message.en == "Please enter a whole number."
    assert constraints.constraint_message("q_total", 4.0, {}) is None
    for not_a_number in ("12", True, float("nan")):
        message = constraints.constraint_message("q_total", not_a_number, {})
        assert message is not None and message.en == "Please enter a number."
    message = constraints.constraint_message("q_name", "ABCDEFGHIJK", {})
    assert message is not None and "at most 10 characters" in message.en
    assert constraints.constraint_message("q_name", "ABCDEFGHIJ", {}) is None
    message = constraints.constraint_message("q_problems", ["slow", "fast"], {})
    assert message is not None and message.en == "Please choose only among the options given."
    message = constraints.constraint_message("q_problems", ["slow", "slow"], {})
    assert message is not None and message.en == "Each option can be chosen only once."
    message = constraints.constraint_message("q_received", "2024-02-30", {})
    assert message is not None and "valid date" in message.en
    message = constraints.constraint_message("q_name", 12, {})
    assert message is not None and message.en == "Please enter text."


def test_constraint_message_applies_the_authors_rule() -> None:
    constraints = form("constraints")
    late = constraints.item("q_late")
    assert late.constraint is not None
    assert constraints.constraint_message("q_late", 5, {"q_total": 4}) == late.constraint.message
    assert constraints.constraint_message("q_late", 4, {"q_total": 4}) is None
    assert constraints.constraint_message("q_late", 50, {}) is None  # no total: rule allows
    today = date(2024, 6, 15)
    received = constraints.item("q_received")
    assert received.constraint is not None
    assert (
        constraints.constraint_message("q_received", "2024-06-16", {}, today=today)
        == received.constraint.message
    )
    assert constraints.constraint_message("q_received", "2024-06-15", {}, today=today) is None
    problems = constraints.item("q_problems")
    assert problems.constraint is not None
    assert (
        constraints.constraint_message("q_problems", ["slow", "none"], {})
        == problems.constraint.message
    )
    assert constraints.constraint_message("q_problems", ["none"], {}) is None


def test_a_blank_value_is_left_to_required() -> None:
    constraints = form("constraints")
    for blank in (None, "", "  ", []):
        assert constraints.constraint_message("q_late", blank, {"q_total": 1}) is None


def test_choice_answers_must_be_codes_of_the_item() -> None:
    chain = form("relevance_chain")
    message = chain.constraint_message("q_parent", "maybe", {})
    assert message is not None and message.en == "Please choose one of the options given."
    assert chain.constraint_message("q_parent", "yes", {}) is None


def test_answer_problems_reports_missing_required_and_refused_answers() -> None:
    chain = form("relevance_chain")
    assert chain.answer_problems({}) == {"q_parent": REQUIRED_MESSAGE}
    problems = chain.answer_problems({"q_parent": "yes", "q_children": 25, "q_school": "no"})
    assert list(problems) == ["q_children"]
    assert problems["q_children"].en == "The answer must be at most 20."
    problems = chain.answer_problems({"q_parent": "yes", "q_children": 2})
    assert problems == {"q_school": REQUIRED_MESSAGE}
    # hidden items are neither required nor checked
    assert chain.answer_problems({"q_parent": "no", "q_children": 99}) == {}


def _answer_strategy(questionnaire: Questionnaire) -> st.SearchStrategy[dict[str, object]]:
    """Any subset of ``questionnaire``'s items answered with values of their type: choice
    codes, whole numbers 0–25 (inside and outside the bounds), dates, short texts."""
    values: dict[str, st.SearchStrategy[object]] = {}
    for item in questionnaire.items:
        codes = [choice.code for choice in questionnaire.choices(item)]
        if item.type is ItemType.MULTIPLE_CHOICE:
            values[item.code] = st.lists(st.sampled_from(codes), unique=True, max_size=3)
        elif codes:
            values[item.code] = st.sampled_from(codes)
        elif item.type is ItemType.NUMBER:
            values[item.code] = st.integers(0, 25)
        elif item.type is ItemType.DATE:
            values[item.code] = st.dates().map(date.isoformat)
        else:
            values[item.code] = st.text(max_size=5)
    return st.fixed_dictionaries({}, optional=values)


@settings(max_examples=150)
@given(_answer_strategy(bundled_questionnaires()["sipas_citizens"]))
def test_pruned_answers_are_exactly_those_of_items_shown_given_the_kept_answers(
    answers: dict[str, object],
) -> None:
    sipas = bundled_questionnaires()["sipas_citizens"]
    kept = sipas.prune_hidden(answers)
    assert kept.items() <= answers.items()
    for code in answers:
        page = sipas.page_of(code)
        page_shown = page.relevant is None or parse(page.relevant).holds(kept)
        rule = sipas.rules(code).relevant
        shown = page_shown and (rule is None or rule.holds(kept))
        assert (code in kept) is shown, code
    assert sipas.prune_hidden(kept) == kept


CHECKED_FORMS = {
    "sipas_citizens": bundled_questionnaires()["sipas_citizens"],
    "cross_page_rules": form("cross_page_rules"),
}
"""A bundled form, and one whose later page's rules read an earlier page's answer."""


@settings(max_examples=150)
@given(
    st.sampled_from(sorted(CHECKED_FORMS)).flatmap(
        lambda name: st.tuples(st.just(name), _answer_strategy(CHECKED_FORMS[name]))
    )
)
def test_checking_one_page_gives_that_pages_part_of_the_whole_check(
    drawn: tuple[str, dict[str, object]],
) -> None:
    """``answer_problems(only=…)`` and ``required_codes(only=…)`` (what a page checks and
    marks) give exactly the whole response's problems (same messages, form order) and
    required items for those items."""
    name, answers = drawn
    questionnaire = CHECKED_FORMS[name]
    whole = questionnaire.answer_problems(answers)
    required = questionnaire.required_codes(answers)
    for page in questionnaire.pages:
        on_page = [item.code for item in page.items]
        expected = {code: message for code, message in whole.items() if code in on_page}
        checked = questionnaire.answer_problems(answers, only=on_page[::-1])
        assert checked == expected
        assert list(checked) == list(expected)
        assert questionnaire.required_codes(answers, only=on_page) == required & set(on_page)


def test_checking_an_unknown_item_is_refused() -> None:
    chain = form("relevance_chain")
    with pytest.raises(UnknownItemError, match="q_nowhere"):
        chain.answer_problems({}, only=["q_parent", "q_nowhere"])
    with pytest.raises(UnknownItemError, match="q_nowhere"):
        chain.required_codes({}, only=["q_nowhere"])


class _Label(str):
    """A ``str`` subclass, as a caller's own string type would be."""


_ANY_VALUE: st.SearchStrategy[object] = st.one_of(
    st.sampled_from(["yes", "no", _Label("yes"), "1", "2", _Label("2")]),
    st.sampled_from([0, 1, 2, 3, 1.0, 2.0, 2.5, True, False, None]),
    st.lists(st.sampled_from(["yes", 1, 2.0, True]), max_size=2),
    st.dates(),
    st.datetimes(),
)
"""Values of every type rules read (text, numbers, booleans, dates, lists), with near twins
(1, 1.0, True, "1") and a ``str`` subclass."""


@settings(max_examples=150)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["q_members", "q_children", "q_care"]), _ANY_VALUE),
        min_size=2,
        max_size=5,
    )
)
@example([{"q_members": 1}, {"q_members": True}, {"q_members": 1.0}])
@example([{"q_members": "yes"}, {"q_members": _Label("yes")}, {"q_members": ["yes"]}])
def test_the_visibility_memo_never_answers_for_other_answers(
    answer_sets: list[dict[str, object]],
) -> None:
    """A questionnaire that remembers visibility across several answer sets, some equal but
    for their values' types (``q_note`` is shown for 1 but not for True), shows what a fresh
    one shows for each of them."""
    shared = form("cross_page_rules")
    for answers in answer_sets:
        assert shared.visible_items(answers) == form("cross_page_rules").visible_items(answers)


def test_an_answer_hidden_upstream_counts_as_unanswered_downstream(tmp_path: Path) -> None:
    text = (FEATURES / "relevance_chain.yaml").read_text(encoding="utf-8")
    path = tmp_path / "fallback.yaml"
    path.write_text(
        text.replace('relevant: "q_children >= 2"', 'relevant: "not answered(q_children)"'),
        encoding="utf-8",
    )
    fallback = load_questionnaire(path)
    answers: dict[str, object] = {"q_parent": "no", "q_children": 2, "q_school": "yes"}
    # q_children is hidden, so its stale answer does not count and q_school is shown.
    assert fallback.prune_hidden(answers) == {"q_parent": "no", "q_school": "yes"}
    assert fallback.is_required("q_school", answers)
