"""The syntax tree of the expression language: small frozen dataclasses, one per construct.

Every node keeps the ``position`` (0-based offset in the source) of the token that introduced
it, so later checks can point authors at the right place. :func:`walk` visits a tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

LiteralValue = bool | int | float | str | None
"""The value of a literal in source text."""


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, a string, ``true``, ``false`` or ``null``."""

    value: LiteralValue
    position: int


@dataclass(frozen=True, slots=True)
class ItemRef:
    """An item code: the answer to that item (null when unanswered)."""

    code: str
    position: int


@dataclass(frozen=True, slots=True)
class OwnValue:
    """``.``: the value being checked by a constraint."""

    position: int


@dataclass(frozen=True, slots=True)
class Unary:
    """``-x`` (arithmetic negation) or ``not x`` (three-valued negation)."""

    operator: str
    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Binary:
    """An arithmetic (``+ - * / %``) or comparison (``= != < <= > >=``) operation."""

    operator: str
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class Logical:
    """``left and right`` or ``left or right`` (three-valued)."""

    operator: str
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class Membership:
    """``operand in [options…]`` or, when ``negated``, ``operand not in [options…]``."""

    operand: Node
    options: tuple[Node, ...]
    negated: bool
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function call such as ``selected(q5, 'a')``."""

    name: str
    arguments: tuple[Node, ...]
    position: int


Node = Literal | ItemRef | OwnValue | Unary | Binary | Logical | Membership | Call
"""Any node of the tree."""


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, left to right."""
    match node:
        case Unary(operand=operand):
            return (operand,)
        case Binary(left=left, right=right) | Logical(left=left, right=right):
            return (left, right)
        case Membership(operand=operand, options=options):
            return (operand, *options)
        case Call(arguments=arguments):
            return arguments
        case _:
            return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree rooted at ``node``, parents before children."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(children(current)))
