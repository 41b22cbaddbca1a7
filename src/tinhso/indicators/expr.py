"""The indicator expression language: arithmetic over references, parsed and never ``eval``-ed.

An indicator's numerator and denominator are expressions such as
``(dti.p.staff_trained + 0.5 * dti.p.staff_partly) / dti.p.staff`` or ``qd766.3.3 * 100``.
References are dotted codes (data elements, other indicators, figures of other domains);
Python's parser cannot read ``qd766.3.3``, so each reference is first replaced by a placeholder
name, then ``ast.parse`` builds the tree (it runs nothing) and every node is checked against a
short list: numbers, references, ``+ - * /``, unary minus, parentheses and the functions
``min``, ``max``, ``abs``, ``coalesce``. The checked tree is kept as small dataclasses that are
evaluated in Python (tests, one-off values) or translated to SQL for DuckDB (the engine); the
two agree, which the property tests check. A missing value (``None``/NULL) makes the result
missing, as in SQL; division by zero gives a missing value at run time and is an error when the
divisor is a constant.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from tinhso.sqlexpr import ExpressionError

__all__ = [
    "Binary",
    "Call",
    "Expr",
    "ExpressionError",
    "Neg",
    "Num",
    "Ref",
    "evaluate",
    "parse",
    "references",
    "to_sql",
]

REF_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"
_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<ref>" + REF_PATTERN + r")|(?P<other>.)",
    re.S,
)
FUNCTIONS = {"min": "least", "max": "greatest", "abs": "abs", "coalesce": "coalesce"}
OPS = ("+", "-", "*", "/")
MAX_LENGTH = 2000


@dataclass(frozen=True)
class Num:
    """A number."""

    value: float


@dataclass(frozen=True)
class Ref:
    """A reference to a data element, an indicator or another domain's figure."""

    code: str
    pos: int = 0


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Expr


@dataclass(frozen=True)
class Binary:
    """``left op right`` with op one of + - * /."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call:
    """One of the allowed functions."""

    name: str
    args: tuple[Expr, ...]


Expr = Num | Ref | Neg | Binary | Call
_AST_OPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}


def _placeholders(text: str) -> tuple[str, dict[str, tuple[str, int]], list[int]]:
    """Return the text with references replaced by ``_rN`` names, what each name stands for,
    and for each character of the new text the position it came from (for error messages)."""
    out: list[str] = []
    where: list[int] = []
    refs: dict[str, tuple[str, int]] = {}
    for m in _TOKEN.finditer(text):
        piece = m.group(0)
        if m.group("ref") is not None:
            code = m.group("ref")
            rest = text[m.end() :].lstrip()
            if not (code in FUNCTIONS and rest.startswith("(")):
                piece = f"_r{len(refs)}"
                refs[piece] = (code, m.start())
                out.append(piece)
                where += [m.start()] * len(piece)
                continue
        out.append(piece)
        where += range(m.start(), m.end())
    return "".join(out), refs, where


class _Builder:
    def __init__(self, source: str, refs: dict[str, tuple[str, int]], where: list[int]) -> None:
        self.source = source
        self.refs = refs
        self.where = where

    def fail(self, node: ast.AST, reason: str) -> ExpressionError:
        pos = self._pos(node)
        return ExpressionError(f"biểu thức '{self.source}', vị trí {pos + 1}: {reason}")

    def _pos(self, node: ast.AST) -> int:
        col = int(getattr(node, "col_offset", 0))
        return self.where[col] if 0 <= col < len(self.where) else col

    def build(self, node: ast.AST) -> Expr:
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise self.fail(node, f"giá trị {v!r} không phải là số")
            if not math.isfinite(float(v)):
                raise self.fail(node, "số quá lớn")
            return Num(float(v))
        if isinstance(node, ast.Name):
            if node.id not in self.refs:
                raise self.fail(node, f"tên '{node.id}' không hợp lệ")
            code, pos = self.refs[node.id]
            return Ref(code, pos)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Neg(self.build(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand)
            raise self.fail(node, "phép toán một ngôi không được hỗ trợ (chỉ dấu -)")
        if isinstance(node, ast.BinOp):
            op = _AST_OPS.get(type(node.op))
            if op is None:
                raise self.fail(node, "phép toán không được hỗ trợ (chỉ + - * /)")
            right = self.build(node.right)
            if op == "/" and not references(right):
                divisor = evaluate(right, {})
                if divisor == 0:
                    raise self.fail(node.right, "chia cho 0")
            return Binary(op, self.build(node.left), right)
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            name = self.refs[name][0] if name in self.refs else name
            if name not in FUNCTIONS or node.keywords:
                raise self.fail(
                    node, f"hàm '{name}' không được hỗ trợ (chỉ {', '.join(FUNCTIONS)})"
                )
            if not node.args or (name == "abs" and len(node.args) != 1):
                raise self.fail(node, f"hàm '{name}' nhận sai số đối số")
            return Call(name, tuple(self.build(a) for a in node.args))
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise self.fail(node, "phép so sánh, logic không được hỗ trợ (chỉ + - * /)")
        raise self.fail(node, f"cú pháp '{type(node).__name__}' không được hỗ trợ")


def parse(text: str) -> Expr:
    """Return the checked tree of an expression, or raise ExpressionError (Vietnamese)."""
    source = str(text).strip()
    if not source:
        raise ExpressionError("biểu thức rỗng")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"biểu thức dài quá {MAX_LENGTH} ký tự")
    for i, ch in enumerate(source):
        if ch in "'\"" or ch == "\\":
            raise ExpressionError(f"biểu thức '{source}', vị trí {i + 1}: không dùng chuỗi ký tự")
    replaced, refs, where = _placeholders(source)
    try:
        tree = ast.parse(replaced, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"biểu thức '{source}' sai cú pháp: {exc.msg}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"biểu thức '{source}' không đọc được") from exc
    try:
        return _Builder(source, refs, where).build(tree)
    except RecursionError as exc:
        raise ExpressionError(f"biểu thức '{source}' lồng nhau quá sâu") from exc


def walk(expr: Expr) -> Iterator[Expr]:
    """Yield every node of the tree."""
    yield expr
    if isinstance(expr, Neg):
        yield from walk(expr.operand)
    elif isinstance(expr, Binary):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, Call):
        for a in expr.args:
            yield from walk(a)


def references(expr: Expr) -> list[str]:
    """Return the codes the expression refers to, in order of first appearance."""
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Ref):
            seen.setdefault(node.code)
    return list(seen)


def evaluate(expr: Expr, values: Mapping[str, float | None]) -> float | None:
    """Return the value of the expression; a missing value or a zero divisor gives None."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        return values.get(expr.code)
    if isinstance(expr, Neg):
        v = evaluate(expr.operand, values)
        return None if v is None else -v
    if isinstance(expr, Binary):
        a = evaluate(expr.left, values)
        b = evaluate(expr.right, values)
        if a is None or b is None:
            return None
        if expr.op == "+":
            return a + b
        if expr.op == "-":
            return a - b
        if expr.op == "*":
            return a * b
        return None if b == 0 else a / b
    args = [evaluate(a, values) for a in expr.args]
    present = [a for a in args if a is not None]
    if expr.name == "abs":
        return None if args[0] is None else abs(args[0])
    if expr.name == "coalesce":
        return present[0] if present else None
    if not present:
        return None
    return min(present) if expr.name == "min" else max(present)


def to_sql(expr: Expr, column: Callable[[str], str]) -> str:
    """Return DuckDB/PostgreSQL SQL for the expression; ``column`` gives each reference's SQL.

    Division is ``a / nullif(b, 0)``: a zero divisor gives NULL, as ``evaluate`` gives None.
    """
    if isinstance(expr, Num):
        return f"CAST({expr.value!r} AS DOUBLE)"
    if isinstance(expr, Ref):
        return column(expr.code)
    if isinstance(expr, Neg):
        return f"(-{to_sql(expr.operand, column)})"
    if isinstance(expr, Binary):
        a, b = to_sql(expr.left, column), to_sql(expr.right, column)
        if expr.op == "/":
            return f"({a} / nullif({b}, 0))"
        return f"({a} {expr.op} {b})"
    args = ", ".join(to_sql(a, column) for a in expr.args)
    return f"{FUNCTIONS[expr.name]}({args})"


def unparse(expr: Expr) -> str:
    """Return the expression as text (fully parenthesised); ``parse(unparse(e)) == e`` up to
    positions."""
    if isinstance(expr, Num):
        return repr(expr.value)
    if isinstance(expr, Ref):
        return expr.code
    if isinstance(expr, Neg):
        return f"(-{unparse(expr.operand)})"
    if isinstance(expr, Binary):
        return f"({unparse(expr.left)} {expr.op} {unparse(expr.right)})"
    return f"{expr.name}({', '.join(unparse(a) for a in expr.args)})"
