"""Checks of the rules written in the expression language (``relevant``, ``required``,
``constraint`` on items, ``relevant`` on pages).

A rule must parse; must read only items of this questionnaire that come *before* it (an item's
rules: earlier items; a page's rule: items on earlier pages), so that answering the form in
order always decides it; only a constraint may use ``.``; ``selected()`` and comparisons of a
choice item with a quoted code must use codes the item has, and ``selected()``/``count()`` need a
choice item; and the rule must be a yes/no condition (a comparison, ``in``, ``selected()``,
``answered()``, ``true``/``false``, or these joined with ``and``/``or``/``not``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from questionnaires.expressions import Expression, ExpressionError, parse
from questionnaires.expressions.nodes import (
    Binary,
    Call,
    ItemRef,
    Literal,
    Logical,
    Membership,
    Node,
    OwnValue,
    Unary,
)
from questionnaires.locations import located, page_label
from questionnaires.model import CHOICE_TYPES, Item, Page
from questionnaires.rules.form_index import Finding, FormIndex, Placed


def item_rules(item: Item) -> Iterator[tuple[str, str]]:
    """The (field, source) of each expression an item carries."""
    if item.relevant is not None:
        yield "relevant", item.relevant
    if isinstance(item.required, str):
        yield "required", item.required
    if item.constraint is not None:
        yield "constraint", item.constraint.expression


def check_conditions(index: FormIndex) -> list[Finding]:
    """Every problem in the form's expressions."""
    found: list[Finding] = []
    for page_index, page in enumerate(index.definition.pages):
        if page.relevant is not None:
            where = located(page_label(page.id, page_index), detail="relevant")
            found.extend(_page_rule(index, page, page_index, page.relevant, where))
    for placed in index.placed:
        for field, source in item_rules(placed.item):
            found.extend(_item_rule(index, placed, field, source))
    return found


def _parsed(source: str, where: str) -> tuple[Expression | None, list[Finding]]:
    try:
        return parse(source), []
    except ExpressionError as error:
        return None, [(where, f"does not parse: {error}")]


def _page_rule(
    index: FormIndex, page: Page, page_index: int, source: str, where: str
) -> list[Finding]:
    expression, found = _parsed(source, where)
    if expression is None:
        return found
    if expression.uses_own_value:
        found.append((where, "uses . (the answer being checked), which only constraints have"))
    for code in sorted(expression.references):
        target = index.by_code.get(code)
        if target is None:
            found.append((where, _unknown(index, code)))
        elif target.page_index >= page_index:
            found.append(
                (
                    where,
                    f"refers to {code} on {target.at()}; a page's rule may only use answers "
                    "from earlier pages",
                )
            )
    found.extend(_codes_and_shape(index, expression, where, own=None))
    return found


def _item_rule(index: FormIndex, placed: Placed, field: str, source: str) -> list[Finding]:
    where = placed.at(field)
    expression, found = _parsed(source, where)
    if expression is None:
        return found
    if expression.uses_own_value and field != "constraint":
        found.append((where, "uses . (the answer being checked), which only constraints have"))
    for code in sorted(expression.references):
        target = index.by_code.get(code)
        if target is None:
            found.append((where, _unknown(index, code)))
        elif target.order == placed.order:
            hint = "; write . for the answer being checked" if field == "constraint" else ""
            found.append((where, f"refers to its own item {code}{hint}"))
        elif target.order > placed.order:
            found.append(
                (
                    where,
                    f"refers to {code}, which comes later in the form ({target.at()}); "
                    "a rule may only use answers given before its item",
                )
            )
    own = placed.item if field == "constraint" else None
    found.extend(_codes_and_shape(index, expression, where, own=own))
    return found


def _unknown(index: FormIndex, code: str) -> str:
    close = difflib.get_close_matches(code, list(index.by_code), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"refers to {code}, which is not an item of this questionnaire{hint}"


def _codes_and_shape(
    index: FormIndex, expression: Expression, where: str, *, own: Item | None
) -> list[Finding]:
    found: list[Finding] = []

    def target(node: Node) -> Item | None:
        if isinstance(node, OwnValue):
            return own
        if isinstance(node, ItemRef) and node.code in index.by_code:
            return index.by_code[node.code].item
        return None

    for node in expression.nodes():
        if isinstance(node, Call) and node.name in ("selected", "count"):
            item = target(node.arguments[0])
            if item is not None and item.type not in CHOICE_TYPES:
                found.append(
                    (
                        where,
                        f"{node.name}() needs a choice item; "
                        f"{item.code} is a {item.type.value} item",
                    )
                )
            elif item is not None and node.name == "selected":
                code = node.arguments[1]
                if isinstance(code, Literal) and isinstance(code.value, str):
                    found.extend(_check_code(index, item, code.value, where, "selected"))
        elif isinstance(node, Binary) and node.operator in ("=", "==", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                item = target(side)
                if item is not None and isinstance(other, Literal):
                    if isinstance(other.value, str):
                        found.extend(_check_code(index, item, other.value, where, "compares"))
        elif isinstance(node, Membership):
            item = target(node.operand)
            for option in node.options:
                if item is not None and isinstance(option, Literal):
                    if isinstance(option.value, str):
                        found.extend(_check_code(index, item, option.value, where, "compares"))
    offending = _not_a_condition(expression.tree)
    if offending is not None:
        found.append(
            (
                where,
                f"is not a yes/no condition (at column {offending.position + 1}): compare the "
                "value (q1 = 'yes', q2 > 3) or test it with answered() or selected()",
            )
        )
    return found


def _check_code(index: FormIndex, item: Item, code: str, where: str, verb: str) -> list[Finding]:
    codes = index.choice_codes(item)
    if codes is None or code in codes:
        return []
    listed = ", ".join(codes) or "none"
    if verb == "selected":
        problem = f"selected({item.code}, '{code}'): {item.code} has no choice '{code}'"
    else:
        problem = f"compares {item.code} with '{code}', which is not one of its choice codes"
    return [(where, f"{problem} (its codes: {listed})")]


def _not_a_condition(node: Node) -> Node | None:
    """The first part of ``node`` in a yes/no position that cannot give true/false."""
    match node:
        case Logical(left=left, right=right):
            return _not_a_condition(left) or _not_a_condition(right)
        case Unary(operator="not", operand=operand):
            return _not_a_condition(operand)
        case Binary(operator=operator) if operator in ("=", "==", "!=", "<", "<=", ">", ">="):
            return None
        case Membership():
            return None
        case Literal(value=bool()):
            return None
        case Call(name=name) if name in ("selected", "answered"):
            return None
    return node
