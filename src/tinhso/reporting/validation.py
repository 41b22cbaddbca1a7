"""The rules of a form over one organisation's values for one period.

The data-entry page (as you type), the Excel upload and the API all call :func:`check_values`,
so a value refused in one is refused in all. Errors stop a write; warnings (a change from the
last period beyond the form's ±X%) are shown and kept, as DHIS2 does with its "outlier" checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinhso.fmt import vn_number
from tinhso.reporting.forms import ElementSpec, rule_terms
from tinhso.reporting.models import FormRule
from tinhso.reporting.parsing import NUMBER_TYPES, Parsed

OP_WORDS = {
    "<=": "không được lớn hơn",
    ">=": "không được nhỏ hơn",
    "<": "phải nhỏ hơn",
    ">": "phải lớn hơn",
    "==": "phải bằng",
}


@dataclass(frozen=True)
class Issue:
    """A problem with one element's value (or with the report as a whole when code is None)."""

    code: str | None
    reason: str
    severity: str = "error"


def _fmt(x: float) -> str:
    return vn_number(x, 0 if float(x).is_integer() else 2)


def _side(expr: str, values: dict[str, Parsed]) -> float | None:
    total = 0.0
    for term in rule_terms(expr):
        if term in values:
            v = values[term].num
            if v is None:
                return None
            total += v
        else:
            try:
                total += float(term)
            except ValueError:
                return None
    return total


def _holds(left: float, op: str, right: float) -> bool:
    eps = 1e-9
    return {
        "<=": left <= right + eps,
        ">=": left >= right - eps,
        "<": left < right - eps,
        ">": left > right + eps,
        "==": abs(left - right) <= eps,
    }[op]


def _names(expr: str, by_code: dict[str, ElementSpec]) -> str:
    return " + ".join(f"“{by_code[t].name}”" if t in by_code else t for t in rule_terms(expr))


def check_values(
    elements: list[ElementSpec],
    rules: list[FormRule],
    values: dict[str, Parsed],
    previous: dict[str, float | None],
    *,
    submitting: bool,
) -> list[Issue]:
    """Return the issues of ``values`` (by element code) under the form's rules.

    Required elements are errors only when submitting: a draft may be incomplete.
    """
    issues: list[Issue] = []
    by_code = {e.code: e for e in elements}
    for e in elements:
        v = values.get(e.code, Parsed())
        if e.value_type == "percentage" and v.num is not None and not 0 <= v.num <= 100:
            issues.append(Issue(e.code, f"tỷ lệ phải từ 0 đến 100 (đang là {_fmt(v.num)})"))
        if e.value_type in ("number", "integer") and v.num is not None and v.num < 0:
            issues.append(Issue(e.code, f"giá trị không được âm (đang là {_fmt(v.num)})"))
        if submitting and e.required and v.blank:
            issues.append(Issue(e.code, "chỉ tiêu bắt buộc chưa có giá trị"))
        prev = previous.get(e.code)
        limit = e.max_change_pct
        if (
            limit is not None
            and v.num is not None
            and prev is not None
            and prev != 0
            and e.value_type in NUMBER_TYPES
        ):
            change = (v.num - prev) / abs(prev) * 100
            if abs(change) > limit:
                sign = "+" if change > 0 else "−"
                issues.append(
                    Issue(
                        e.code,
                        f"thay đổi {sign}{vn_number(abs(change), 1)}% so với kỳ trước "
                        f"({_fmt(prev)} → {_fmt(v.num)}), vượt ngưỡng ±{vn_number(limit, 0)}%; "
                        "hãy kiểm tra lại hoặc ghi chú lý do",
                        "warning",
                    )
                )
    for r in rules:
        left, right = _side(r.left, values), _side(r.right, values)
        if left is None or right is None or _holds(left, r.op, right):
            continue
        target = next((t for t in rule_terms(r.left) if t in by_code), None)
        reason = r.message or (
            f"{_names(r.left, by_code)} ({_fmt(left)}) {OP_WORDS[r.op]} "
            f"{_names(r.right, by_code)} ({_fmt(right)})"
        )
        issues.append(Issue(target, reason, "warning" if r.severity == "warning" else "error"))
    return issues
