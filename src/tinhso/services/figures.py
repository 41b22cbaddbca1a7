"""The 766 figures as a family for the indicator engine (``qd766.3.3``, ``qd766.3.3.num`` …).

Registered through the ``tinhso.figures`` entry point in pyproject.toml."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.errors import NotFound
from tinhso.figures import Drill, FigureFamily, FigureValues
from tinhso.lake import Lake
from tinhso.services.periods import Period

PREFIX = "qd766"


def _split(ref: str) -> tuple[str, str]:
    """Return the indicator id and the part (``num``, ``den`` or "") of a reference."""
    ind_id, part = ref.removeprefix(PREFIX + "."), ""
    if ind_id.endswith((".num", ".den")):  # ids have dots too: 3.3.num
        ind_id, part = ind_id[:-4], ind_id[-3:]
    return ind_id, part


def figures() -> dict[str, str]:
    """Return every 766 figure an expression may use, with its name."""
    from tinhso.services.catalog import load_catalog

    out: dict[str, str] = {}
    for ind in load_catalog().indicators:
        out[f"{PREFIX}.{ind.id}"] = ind.name
        if ind.kind != "complement":
            out[f"{PREFIX}.{ind.id}.num"] = f"{ind.name} (tử số)"
            out[f"{PREFIX}.{ind.id}.den"] = f"{ind.name} (mẫu số)"
    return out


def fetch(lake: Lake, period: Period, day: date, refs: tuple[str, ...]) -> FigureValues:
    """Return the 766 figures ``refs`` per organisation on the units valid on ``day``."""
    from tinhso.services import qd766
    from tinhso.services.catalog import load_catalog

    out: dict[int, dict[str, float | None]] = {}
    partial: set[int] = set()
    for (_p, kind, uid), us in qd766.fetch(lake, load_catalog(), period, on=day).items():
        org = -uid if kind == "agency" else uid
        if us.partial:
            partial.add(org)
        vals = out.setdefault(org, {})
        for ref in refs:
            ind_id, part = _split(ref)
            s = us.scores.get(ind_id)
            if s is not None:
                vals[ref] = s.num if part == "num" else s.den if part == "den" else s.value
    return FigureValues(out, partial)


def refresh(lake: Lake, conn: Connection | None) -> None:
    """Bring the copy's dossiers up to date (a no-op when nothing changed)."""
    lake.refresh(conn)


def version(lake: Lake, period: Period, day: date) -> Hashable:
    """Return what the period's 766 figures are worked out from: the dossiers held and, for a
    year not yet over, the hour (open dossiers are judged late against now)."""
    from tinhso.services import qd766

    return (lake.states().get("dossier_seq", 0), qd766.freshness(period.first.year))


def drill(
    session: Session, principal: Principal, ref: str, kind: str, code: str, period: Period
) -> Drill:
    """Return the 766 page and the dossier list behind a figure, if the caller may open them."""
    from tinhso.services import index as idx

    ind_id, part = _split(ref)
    extra = {"indicator": ind_id, "part": {"num": "numerator", "den": "denominator"}.get(part)}
    extra["part"] = extra["part"] or "value"
    try:
        idx.resolve(session, principal, code, period)
    except NotFound:
        return Drill(extra=extra)  # the dossiers are outside the caller's scope: the figure alone
    q = f"period={period.code}&unit={code}"
    which = "numerator" if part == "num" else "denominator"
    records = f"/api/v1/indices/qd766/explain?{q}&indicator={ind_id}&part={which}"
    return Drill(
        page=f"/services?{q}",
        records=records,
        page_label="Xem Chỉ số 766",
        records_file=records + "&format=xlsx",
        records_label="Tải danh sách hồ sơ (Excel)",
        extra=extra,
    )


FAMILY = FigureFamily(
    prefix=PREFIX,
    name="Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)",
    figures=figures,
    fetch=fetch,
    version=version,
    refresh=refresh,
    drill=drill,
)
