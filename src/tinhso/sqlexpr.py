"""A small, safe filter language for catalog definitions, translated to SQL.

Catalog files say which records an indicator counts with expressions such as
``channel == 2 and payment_flag in (1, 2)``. The text is parsed with Python's own parser
(``ast.parse`` builds a tree, it runs nothing), every node is checked against a short list of
allowed forms, and names must be columns the caller allows; the result is a SQL fragment with
literals inlined safely. Nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

_COMPARE = {
    ast.Eq: "=",
    ast.NotEq: "<>",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_FUNCTIONS = {"coalesce": "coalesce", "abs": "abs", "greatest": "greatest", "least": "least"}


class ExpressionError(ValueError):
    """The expression is not in the language; the message says where and why (in Vietnamese)."""


def _literal(value: object, where: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ExpressionError(f"{where}: giá trị '{value!r}' không được hỗ trợ")


class _Translator:
    def __init__(self, source: str, columns: set[str], bindings: dict[str, str]) -> None:
        self.source = source
        self.columns = columns
        self.bindings = bindings

    def fail(self, node: ast.AST, reason: str) -> ExpressionError:
        col = getattr(node, "col_offset", 0)
        return ExpressionError(f"biểu thức '{self.source}', vị trí {col + 1}: {reason}")

    def visit(self, node: ast.AST) -> str:
        if isinstance(node, ast.Expression):
            return self.visit(node.body)
        if isinstance(node, ast.BoolOp):
            op = " AND " if isinstance(node.op, ast.And) else " OR "
            return "(" + op.join(self.visit(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return f"(NOT {self.visit(node.operand)})"
            if isinstance(node.op, ast.USub):
                return f"(-{self.visit(node.operand)})"
            raise self.fail(node, "phép toán một ngôi không được hỗ trợ")
        if isinstance(node, ast.BinOp):
            arith = _ARITH.get(type(node.op))
            if arith is None:
                raise self.fail(node, "phép toán không được hỗ trợ (chỉ + - * /)")
            return f"({self.visit(node.left)} {arith} {self.visit(node.right)})"
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Name):
            if node.id not in self.columns:
                known = ", ".join(sorted(self.columns))
                raise self.fail(node, f"không có trường '{node.id}' (các trường: {known})")
            return self.bindings.get(node.id, node.id)
        if isinstance(node, ast.Constant):
            return _literal(node.value, f"biểu thức '{self.source}'")
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if name not in _FUNCTIONS or node.keywords:
                raise self.fail(node, f"hàm '{name}' không được hỗ trợ ({', '.join(_FUNCTIONS)})")
            return f"{_FUNCTIONS[name]}({', '.join(self.visit(a) for a in node.args)})"
        raise self.fail(node, f"cú pháp '{type(node).__name__}' không được hỗ trợ")

    def _compare(self, node: ast.Compare) -> str:
        parts = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right, ast.Tuple | ast.List | ast.Set) or not right.elts:
                    raise self.fail(right, "sau 'in' phải là một danh sách giá trị, ví dụ (1, 2)")
                items = ", ".join(self.visit(e) for e in right.elts)
                neg = "NOT " if isinstance(op, ast.NotIn) else ""
                parts.append(f"({self.visit(left)} {neg}IN ({items}))")
            elif isinstance(op, ast.Is | ast.IsNot):
                if not (isinstance(right, ast.Constant) and right.value is None):
                    raise self.fail(right, "chỉ dùng 'is None' hoặc 'is not None'")
                neg = "NOT " if isinstance(op, ast.IsNot) else ""
                parts.append(f"({self.visit(left)} IS {neg}NULL)")
            else:
                sql = _COMPARE.get(type(op))
                if sql is None:
                    raise self.fail(node, "phép so sánh không được hỗ trợ")
                parts.append(f"({self.visit(left)} {sql} {self.visit(right)})")
            left = right
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _parse(expression: str) -> tuple[str, ast.Expression]:
    text = expression.strip()
    if not text:
        raise ExpressionError("biểu thức rỗng")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"biểu thức '{text}' sai cú pháp ở vị trí {(exc.offset or 1)}: {exc.msg}"
        ) from exc
    return text, tree


def to_sql(expression: str, columns: Iterable[str], bindings: dict[str, str] | None = None) -> str:
    """Return the SQL for a filter expression over the allowed columns, or raise ExpressionError.

    ``bindings`` replaces some columns by SQL values (``{"on_time": "TRUE"}``), so that one
    expression can be evaluated under each value a column may take.
    """
    text, tree = _parse(expression)
    return _Translator(text, set(columns), bindings or {}).visit(tree)


def names(expression: str) -> set[str]:
    """Return the names an expression refers to (it need not be valid otherwise)."""
    _text, tree = _parse(expression)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
