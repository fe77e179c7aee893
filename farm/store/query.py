"""A small, safe filter language for ``simfarm results --where``, parsed into pyarrow expressions.

Grammar (keywords case-insensitive; never ``eval``)::

    expr    := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := atom [ OP atom | ["not"] "in" "(" literal ("," literal)* ")" | "is" ["not"] "null" ]
    atom    := COLUMN | literal | "(" expr ")"
    OP      := == | = | != | < | <= | > | >=
    literal := NUMBER | "text" | 'text' | true | false

A bare boolean column is a condition (``collision``, ``not offroad``). Column
names are checked against the table's schema and literals against the
column's type, so a typo is an ``InputError`` naming the column and listing
the valid ones.

Example: ``status == "failed" and min_ttc_s < 1.0 or family in ("cut_in", "lead_vehicle_braking")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import InputError

_TOKEN = re.compile(r"""\s*(?:
    (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|=|<|>|\(|\)|,)
)""", re.VERBOSE)
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
_COMPARE = {"==": "equal", "=": "equal", "!=": "not_equal", "<": "less", "<=": "less_equal", ">": "greater",
            ">=": "greater_equal"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str   # number | string | name | keyword | op | end
    text: str
    pos: int


@dataclass(frozen=True, slots=True)
class _Operand:
    """A parsed atom: a column (with its type), a literal, or a boolean sub-expression."""

    expr: pc.Expression | None = None
    column: str | None = None
    type: pa.DataType | None = None
    value: Any = None
    is_literal: bool = False


def parse_where(text: str, schema: pa.Schema) -> pc.Expression:
    """Parse ``text`` into a ``pyarrow.compute.Expression`` over ``schema``'s columns."""
    parser = _Parser(_tokenize(text), schema, text)
    expr = parser.expression()
    parser.expect_end()
    return expr


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise _error(text, pos, f"unexpected character {text[pos:].lstrip()[0]!r}")
        kind = match.lastgroup or "end"
        value, start = match.group(kind), match.start(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "keyword", value.lower()
        tokens.append(_Token(kind, value, start))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _error(text: str, pos: int, reason: str) -> InputError:
    return InputError(f"{reason} at position {pos + 1} of {text!r}", source="--where")


class _Parser:
    def __init__(self, tokens: list[_Token], schema: pa.Schema, text: str) -> None:
        self.tokens, self.schema, self.text, self.i = tokens, schema, text, 0

    def peek(self, *texts: str) -> bool:
        token = self.tokens[self.i]
        return token.kind in ("keyword", "op") and token.text in texts

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        if not self.peek(text):
            token = self.tokens[self.i]
            raise _error(self.text, token.pos, f"expected {text!r}, found {token.text or 'the end'!r}")
        self.i += 1

    def expect_end(self) -> None:
        token = self.tokens[self.i]
        if token.kind != "end":
            raise _error(self.text, token.pos, f"unexpected {token.text!r}")

    def expression(self) -> pc.Expression:
        expr = self.conjunction()
        while self.peek("or"):
            self.take()
            expr = expr | self.conjunction()
        return expr

    def conjunction(self) -> pc.Expression:
        expr = self.negation()
        while self.peek("and"):
            self.take()
            expr = expr & self.negation()
        return expr

    def negation(self) -> pc.Expression:
        if self.peek("not"):
            self.take()
            return ~self.negation()
        return self.comparison()

    def comparison(self) -> pc.Expression:
        start = self.tokens[self.i].pos
        left = self.atom()
        if self.peek(*_COMPARE):
            op = self.take().text
            right = self.atom()
            return _compare(left, op, right, self.text, start)
        if self.peek("in") or (self.peek("not") and self.tokens[self.i + 1].text == "in"):
            negate = self.take().text == "not"
            if negate:
                self.take()
            expr = self.membership(left, start)
            return ~expr if negate else expr
        if self.peek("is"):
            self.take()
            negate = self.peek("not")
            if negate:
                self.take()
            self.expect("null")
            expr = _field(left, self.text, start).is_null()
            return ~expr if negate else expr
        return _as_condition(left, self.text, start)

    def membership(self, left: _Operand, start: int) -> pc.Expression:
        column = _field(left, self.text, start)
        self.expect("(")
        values = [self.literal()]
        while self.peek(","):
            self.take()
            values.append(self.literal())
        self.expect(")")
        checked = [_check_literal(left, v, self.text, start) for v in values]
        return column.isin(pa.array(checked, type=left.type))

    def atom(self) -> _Operand:
        token = self.tokens[self.i]
        if self.peek("("):
            self.take()
            expr = self.expression()
            self.expect(")")
            return _Operand(expr=expr)
        if token.kind == "name":
            self.take()
            if token.text not in self.schema.names:
                raise InputError(f"unknown column {token.text!r}; columns are {', '.join(self.schema.names)}",
                                 source="--where")
            return _Operand(column=token.text, type=self.schema.field(token.text).type)
        return _Operand(value=self.literal(), is_literal=True)

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "keyword" and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "keyword" and token.text == "null":
            raise _error(self.text, token.pos, "compare with null using 'is null' / 'is not null'")
        raise _error(self.text, token.pos, f"expected a value, found {token.text or 'the end'!r}")


def _field(operand: _Operand, text: str, pos: int) -> pc.Expression:
    if operand.column is None:
        raise _error(text, pos, "expected a column name")
    return pc.field(operand.column)


def _as_condition(operand: _Operand, text: str, pos: int) -> pc.Expression:
    if operand.expr is not None:
        return operand.expr
    if operand.column is not None and pa.types.is_boolean(operand.type):
        return pc.field(operand.column)
    raise _error(text, pos, "expected a condition (a comparison or a true/false column)")


def _compare(left: _Operand, op: str, right: _Operand, text: str, pos: int) -> pc.Expression:
    if left.is_literal and right.column is not None:  # allow `1.0 > min_ttc_s`
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        return _compare(right, flipped, left, text, pos)
    column = _field(left, text, pos)
    if right.column is not None:
        other: Any = pc.field(right.column)
    elif right.is_literal:
        value = _check_literal(left, right.value, text, pos)
        as_float = isinstance(value, float) and pa.types.is_integer(left.type)  # `safety_triggers > 2.5`
        other = pa.scalar(value, type=pa.float64() if as_float else left.type)
    else:
        raise _error(text, pos, "cannot compare with a condition")
    if _is_nested(left.type):
        raise _error(text, pos, f"column {left.column!r} holds lists and cannot be compared")
    return getattr(pc, _COMPARE[op])(column, other)


def _is_nested(kind: pa.DataType | None) -> bool:
    return kind is not None and (pa.types.is_list(kind) or pa.types.is_struct(kind))


def _check_literal(column: _Operand, value: Any, text: str, pos: int) -> Any:
    """The literal converted to the column's type, or an error naming both."""
    kind, name = column.type, column.column
    if isinstance(value, bool):
        ok = pa.types.is_boolean(kind)
    elif isinstance(value, int | float):
        ok = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        if ok and pa.types.is_integer(kind) and isinstance(value, float) and value.is_integer():
            value = int(value)
    elif pa.types.is_timestamp(kind):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            ok = False
    else:
        ok = pa.types.is_string(kind)
    if not ok:
        raise _error(text, pos, f"column {name!r} is {kind}; {value!r} does not fit")
    return value
