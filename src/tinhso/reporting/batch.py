"""API batches of data values: items grouped by organisation and period, then written through
the same checks as the page and the Excel upload."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import FieldError, InvalidInput, NotFound
from tinhso.reporting import orgs
from tinhso.reporting.forms import get_form
from tinhso.reporting.periods import ReportPeriod, parse_report_period
from tinhso.reporting.schemas import DataValueBatch
from tinhso.reporting.service import Entry, OrgReport, WriteResult, write_values


def write_batch(session: Session, *, principal: Principal, batch: DataValueBatch) -> WriteResult:
    """Check and write an API batch (all or nothing); raise InvalidInput naming each refused
    item by its position in ``items`` (from 1)."""
    if not (principal.can("data.write") or principal.role == "admin"):
        principal.require("data.write")
    form = get_form(session, batch.form)
    if not batch.items:
        raise InvalidInput("lô dữ liệu rỗng", [FieldError("items", "cần ít nhất một giá trị")])
    errors: list[FieldError] = []
    reports: dict[tuple[str, str], OrgReport] = {}
    org_cache: dict[tuple[str, str, str], orgs.Org] = {}
    for n, item in enumerate(batch.items, start=1):
        if (item.unit is None) == (item.agency is None):
            errors.append(FieldError("unit", "ghi đúng một trong hai: unit hoặc agency", row=n))
            continue
        kind, code = ("unit", item.unit) if item.unit is not None else ("agency", str(item.agency))
        try:
            period: ReportPeriod = parse_report_period(item.period)
            key = (kind, code, period.code)  # a unit code names the unit of the period
            if key not in org_cache:
                org_cache[key] = orgs.resolve(
                    session,
                    principal,
                    unit_code=item.unit,
                    agency_code=item.agency,
                    on=period.last,
                )
        except (InvalidInput, NotFound) as exc:
            field = "period" if isinstance(exc, InvalidInput) else kind
            errors.append(FieldError(field, exc.detail, row=n))
            continue
        org = org_cache[key]
        rep = reports.setdefault((org.key, period.code), OrgReport(org, period, row=n))
        rep.entries.append(Entry(item.element, item.value, comment=item.comment, row=n))
    if errors:
        raise InvalidInput(f"có {len(errors)} giá trị không hợp lệ; chưa ghi giá trị nào", errors)
    return write_values(
        session,
        principal=principal,
        form=form,
        reports=list(reports.values()),
        source="api",
        submit=batch.submit,
    )
