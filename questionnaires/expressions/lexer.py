"""Tokenizer of the expression language: source text to a list of :class:`Token`.

Tokens: numbers (``12``, ``0.5``; a leading digit is required), strings in single or double
quotes (no escapes: a string cannot contain its own quote character, use the other one), names
(item codes, function names and the keywords ``and or not in true false null``), ``.`` (the
item's own value), brackets, commas and the operators ``= == != < <= > >= + - * / %``.
Whitespace separates tokens and is otherwise ignored. Anything else raises
:class:`ExpressionError` at the offending character.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from questionnaires.expressions.errors import ExpressionError

MAX_SOURCE_LENGTH = 2000
"""Longest accepted source text, in characters."""

KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in", "true", "false", "null"})
"""Reserved words: they cannot be used as item codes inside expressions."""


class Kind(Enum):
    """What a token is."""

    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    DOT = "."
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text (a string's text is without the quotes) and position."""

    kind: Kind
    text: str
    position: int


_PUNCTUATION: dict[str, Kind] = {
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "]": Kind.RBRACKET,
    ",": Kind.COMMA,
}
_TWO_CHAR_OPERATORS = ("==", "!=", "<=", ">=")
_ONE_CHAR_OPERATORS = "=<>+-*/%"


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _is_name_start(char: str) -> bool:
    return char == "_" or "a" <= char <= "z" or "A" <= char <= "Z"


def _is_name_char(char: str) -> bool:
    return _is_name_start(char) or _is_digit(char)


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``END`` token."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(
            f"expression is {len(source)} characters long; the limit is {MAX_SOURCE_LENGTH}",
            source=source,
            position=MAX_SOURCE_LENGTH,
        )
    tokens: list[Token] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char.isspace():
            index += 1
        elif _is_digit(char):
            index = _read_number(source, index, tokens)
        elif char in "'\"":
            index = _read_string(source, index, tokens)
        elif _is_name_start(char):
            end = index
            while end < len(source) and _is_name_char(source[end]):
                end += 1
            word = source[index:end]
            kind = Kind.KEYWORD if word in KEYWORDS else Kind.NAME
            tokens.append(Token(kind, word, index))
            index = end
        elif char == ".":
            if index + 1 < len(source) and _is_digit(source[index + 1]):
                raise ExpressionError(
                    "write numbers with a leading digit, e.g. 0.5 rather than .5",
                    source=source,
                    position=index,
                )
            tokens.append(Token(Kind.DOT, ".", index))
            index += 1
        elif char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, index))
            index += 1
        elif source.startswith(_TWO_CHAR_OPERATORS, index):
            tokens.append(Token(Kind.OPERATOR, source[index : index + 2], index))
            index += 2
        elif char in _ONE_CHAR_OPERATORS:
            tokens.append(Token(Kind.OPERATOR, char, index))
            index += 1
        else:
            hint = " (use 'and', 'or', 'not')" if char in "&|!" else ""
            raise ExpressionError(
                f"unexpected character {char!r}{hint}", source=source, position=index
            )
    tokens.append(Token(Kind.END, "", len(source)))
    return tokens


def _read_number(source: str, start: int, tokens: list[Token]) -> int:
    end = start
    while end < len(source) and _is_digit(source[end]):
        end += 1
    if end < len(source) and source[end] == "." and end + 1 < len(source):
        if _is_digit(source[end + 1]):
            end += 1
            while end < len(source) and _is_digit(source[end]):
                end += 1
    if end < len(source) and _is_name_char(source[end]):
        raise ExpressionError(
            "a number runs into letters; item codes start with a letter",
            source=source,
            position=end,
        )
    tokens.append(Token(Kind.NUMBER, source[start:end], start))
    return end


def _read_string(source: str, start: int, tokens: list[Token]) -> int:
    quote = source[start]
    end = source.find(quote, start + 1)
    if end < 0:
        raise ExpressionError(
            f"string opened with {quote} is never closed", source=source, position=start
        )
    tokens.append(Token(Kind.STRING, source[start + 1 : end], start))
    return end + 1
