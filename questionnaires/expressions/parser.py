"""Recursive-descent parser: tokens to a syntax tree (``nodes``), loosest binding first::

    expression     := or_expr
    or_expr        := and_expr ( "or" and_expr )*
    and_expr       := not_expr ( "and" not_expr )*
    not_expr       := "not" not_expr | comparison
    comparison     := additive [ compare_op additive | "in" list | "not" "in" list ]
    additive       := multiplicative ( ( "+" | "-" ) multiplicative )*
    multiplicative := unary ( ( "*" | "/" | "%" ) unary )*
    unary          := "-" unary | primary
    primary        := NUMBER | STRING | "true" | "false" | "null" | "." | CODE
                    | NAME "(" [ expression ( "," expression )* ] ")" | "(" expression ")"
    list           := "[" [ expression ( "," expression )* ] "]"
    compare_op     := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="

Comparisons do not chain (``a < b < c`` is an error). Binary operators group to the left.
Limits, so that no input can exhaust the stack: at most :data:`MAX_NESTING` brackets, calls,
lists, ``not`` and unary minus inside one another, and a tree at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import math

from questionnaires.expressions.errors import ExpressionError
from questionnaires.expressions.functions import FUNCTIONS, Parameter
from questionnaires.expressions.lexer import Kind, Token, tokenize
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
    children,
)

MAX_NESTING = 30
"""Deepest allowed nesting of brackets, calls, lists, ``not`` and unary minus."""

MAX_DEPTH = 100
"""Deepest allowed syntax tree (a chain of 100 ``+`` is 100 deep)."""

COMPARISONS = frozenset({"=", "==", "!=", "<", "<=", ">", ">="})
_ADDITIVE = frozenset({"+", "-"})
_MULTIPLICATIVE = frozenset({"*", "/", "%"})
_CONSTANTS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


def parse_tree(source: str) -> Node:
    """Parse ``source`` into a syntax tree, or raise :class:`ExpressionError`."""
    return _Parser(source).parse()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.nesting = 0
        self.depths: dict[int, int] = {}

    # -- helpers -----------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def error(self, message: str, position: int | None = None) -> ExpressionError:
        where = self.current.position if position is None else position
        return ExpressionError(message, source=self.source, position=where)

    def advance(self) -> Token:
        token = self.current
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def at(self, kind: Kind, text: str | None = None) -> bool:
        token = self.current
        return token.kind is kind and (text is None or token.text == text)

    def expect(self, kind: Kind, what: str) -> Token:
        if not self.at(kind):
            raise self.error(f"expected {what}, found {self.describe(self.current)}")
        return self.advance()

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind is Kind.END:
            return "the end of the expression"
        if token.kind is Kind.STRING:
            return f"the string {token.text!r}"
        return f"{token.text!r}"

    def enter(self, position: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(
                f"expression is nested more than {MAX_NESTING} levels deep; simplify it",
                position,
            )

    def leave(self) -> None:
        self.nesting -= 1

    def build(self, node: Node) -> Node:
        """Record ``node``'s depth, refusing trees deeper than :data:`MAX_DEPTH`."""
        depth = 1 + max((self.depths[id(child)] for child in children(node)), default=0)
        if depth > MAX_DEPTH:
            raise self.error(
                f"expression is more than {MAX_DEPTH} operations deep; split it up",
                node.position,
            )
        self.depths[id(node)] = depth
        return node

    # -- grammar -----------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.at(Kind.END):
            raise self.error("the expression is empty")
        node = self.expression()
        if not self.at(Kind.END):
            raise self.error(f"unexpected {self.describe(self.current)}")
        return node

    def expression(self) -> Node:
        return self.or_expr()

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at(Kind.KEYWORD, "or"):
            token = self.advance()
            node = self.build(Logical("or", node, self.and_expr(), token.position))
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at(Kind.KEYWORD, "and"):
            token = self.advance()
            node = self.build(Logical("and", node, self.not_expr(), token.position))
        return node

    def not_expr(self) -> Node:
        if not self.at(Kind.KEYWORD, "not"):
            return self.comparison()
        token = self.advance()
        self.enter(token.position)
        operand = self.not_expr()
        self.leave()
        return self.build(Unary("not", operand, token.position))

    def comparison(self) -> Node:
        node = self.additive()
        token = self.current
        if token.kind is Kind.OPERATOR and token.text in COMPARISONS:
            self.advance()
            node = self.build(Binary(token.text, node, self.additive(), token.position))
        elif self.at(Kind.KEYWORD, "in"):
            self.advance()
            node = self.build(Membership(node, self.list_literal(), False, token.position))
        elif self.at(Kind.KEYWORD, "not"):
            self.advance()
            if not self.at(Kind.KEYWORD, "in"):
                raise self.error("'not' here must be followed by 'in', as in: x not in [1, 2]")
            self.advance()
            node = self.build(Membership(node, self.list_literal(), True, token.position))
        else:
            return node
        follower = self.current
        if (
            follower.kind is Kind.OPERATOR
            and follower.text in COMPARISONS
            or self.at(Kind.KEYWORD, "in")
        ):
            raise self.error(
                "comparisons cannot be chained; join them with 'and', as in: a < b and b < c"
            )
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.current.kind is Kind.OPERATOR and self.current.text in _ADDITIVE:
            token = self.advance()
            node = self.build(Binary(token.text, node, self.multiplicative(), token.position))
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.current.kind is Kind.OPERATOR and self.current.text in _MULTIPLICATIVE:
            token = self.advance()
            node = self.build(Binary(token.text, node, self.unary(), token.position))
        return node

    def unary(self) -> Node:
        if not self.at(Kind.OPERATOR, "-"):
            return self.primary()
        token = self.advance()
        self.enter(token.position)
        operand = self.unary()
        self.leave()
        return self.build(Unary("-", operand, token.position))

    def primary(self) -> Node:
        token = self.current
        if token.kind is Kind.NUMBER:
            self.advance()
            return self.build(Literal(self.number(token), token.position))
        if token.kind is Kind.STRING:
            self.advance()
            return self.build(Literal(token.text, token.position))
        if token.kind is Kind.KEYWORD and token.text in _CONSTANTS:
            self.advance()
            return self.build(Literal(_CONSTANTS[token.text], token.position))
        if token.kind is Kind.DOT:
            self.advance()
            return self.build(OwnValue(token.position))
        if token.kind is Kind.NAME:
            self.advance()
            if self.at(Kind.LPAREN):
                return self.call(token)
            return self.build(ItemRef(self.item_code(token), token.position))
        if token.kind is Kind.LPAREN:
            self.advance()
            self.enter(token.position)
            node = self.expression()
            self.leave()
            self.expect(Kind.RPAREN, f"')' to close the '(' at column {token.position + 1}")
            return node
        if token.kind is Kind.KEYWORD:
            raise self.error(f"{token.text!r} cannot start a value here")
        raise self.error(f"expected a value, found {self.describe(token)}")

    def number(self, token: Token) -> int | float:
        if "." not in token.text:
            return int(token.text)
        value = float(token.text)
        if not math.isfinite(value):
            raise self.error("number is too large", token.position)
        return value

    def item_code(self, token: Token) -> str:
        if not token.text[0].islower() or token.text != token.text.lower():
            raise self.error(
                f"{token.text!r} is not an item code: item codes are lower-case letters, "
                "digits and underscores, starting with a letter",
                token.position,
            )
        return token.text

    def call(self, name: Token) -> Node:
        function = FUNCTIONS.get(name.text)
        if function is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(
                f"unknown function {name.text!r}; the functions are {known}", name.position
            )
        self.expect(Kind.LPAREN, "'('")
        self.enter(name.position)
        arguments = self.arguments(Kind.RPAREN, "')'")
        self.leave()
        if len(arguments) != len(function.parameters):
            raise self.error(
                f"{function.name} takes {len(function.parameters)} argument(s), "
                f"given {len(arguments)}: write {function.pattern}",
                name.position,
            )
        for argument, parameter in zip(arguments, function.parameters, strict=True):
            if not _fits(argument, parameter):
                raise self.error(
                    f"{function.name}: this argument must be {parameter.value}; "
                    f"write {function.pattern}",
                    argument.position,
                )
        return self.build(Call(function.name, arguments, name.position))

    def list_literal(self) -> tuple[Node, ...]:
        opening = self.expect(Kind.LBRACKET, "'[' to open the list after 'in'")
        self.enter(opening.position)
        options = self.arguments(Kind.RBRACKET, "']'")
        self.leave()
        return options

    def arguments(self, closing: Kind, closing_text: str) -> tuple[Node, ...]:
        """Comma-separated expressions up to and including the ``closing`` token."""
        found: list[Node] = []
        if self.at(closing):
            self.advance()
            return ()
        while True:
            found.append(self.expression())
            if self.at(Kind.COMMA):
                self.advance()
                continue
            self.expect(closing, f"',' or {closing_text}")
            return tuple(found)


def _fits(argument: Node, parameter: Parameter) -> bool:
    if parameter is Parameter.ITEM:
        return isinstance(argument, ItemRef | OwnValue)
    if parameter is Parameter.CODE:
        return isinstance(argument, Literal) and isinstance(argument.value, str)
    return True
