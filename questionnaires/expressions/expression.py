"""A parsed expression: its source, its tree, the items it reads, and evaluation.

``parse(source)`` never evaluates anything; :meth:`Expression.evaluate` reads only the answers
it is given, so a rule cannot reach anything on the server. :meth:`Expression.holds` turns the
three-valued result into a decision: only ``true`` holds, null and everything else do not (so a
relevance rule on an unanswered item hides the dependent item).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from questionnaires.expressions.evaluator import Context, evaluate_node
from questionnaires.expressions.nodes import Call, ItemRef, Node, OwnValue, walk
from questionnaires.expressions.parser import parse_tree
from questionnaires.expressions.values import Value, from_answer


class _Missing(Enum):
    MISSING = "missing"


MISSING = _Missing.MISSING
"""Default of ``own_value``: no value under check (outside constraints)."""


@dataclass(frozen=True)
class Expression:
    """A parsed rule. Build it with :func:`parse`."""

    source: str
    tree: Node = field(repr=False, compare=False)
    references: frozenset[str] = field(compare=False)
    uses_own_value: bool = field(compare=False)

    def nodes(self) -> Iterator[Node]:
        """Every node of the tree, parents first."""
        return walk(self.tree)

    def calls(self, name: str) -> tuple[Call, ...]:
        """The calls of function ``name``, in source order."""
        found = [node for node in self.nodes() if isinstance(node, Call) and node.name == name]
        return tuple(sorted(found, key=lambda call: call.position))

    def evaluate(
        self,
        answers: Mapping[str, object],
        *,
        own_value: object = MISSING,
        today: date | None = None,
    ) -> Value:
        """The value of the expression over ``answers`` (item code → stored answer).

        ``own_value`` is the value ``.`` stands for (constraints only); evaluating ``.``
        without it raises ``OwnValueUnavailable``. ``today`` defaults to the server's date.
        An answer of a type outside the answer convention raises ``AnswerTypeError``.
        """
        has_own = own_value is not MISSING
        context = Context(
            answers=answers,
            own_value=from_answer(own_value, code=".") if has_own else None,
            has_own_value=has_own,
            today=date.today() if today is None else today,
        )
        return evaluate_node(self.tree, context)

    def holds(
        self,
        answers: Mapping[str, object],
        *,
        own_value: object = MISSING,
        today: date | None = None,
    ) -> bool:
        """Whether the expression is ``true`` (null and non-boolean values do not hold)."""
        return self.evaluate(answers, own_value=own_value, today=today) is True


def parse(source: str) -> Expression:
    """Parse ``source`` into an :class:`Expression`; raise ``ExpressionError`` if invalid."""
    tree = parse_tree(source)
    nodes = list(walk(tree))
    return Expression(
        source=source,
        tree=tree,
        references=frozenset(node.code for node in nodes if isinstance(node, ItemRef)),
        uses_own_value=any(isinstance(node, OwnValue) for node in nodes),
    )
