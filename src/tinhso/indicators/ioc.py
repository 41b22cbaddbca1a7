"""The digital transformation index (DTI) on the operations centre: each province's and
commune's index of the period's year (points over the maximum, 0 to 1, as it is published),
computed by the engine with the latest catalog index of its level."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.indicators.models import CompositeIndex
from tinhso.indicators.service import computation_key, computed, index_period
from tinhso.indicators.spec import IndexSpec, load_spec
from tinhso.lake import Lake
from tinhso.tiles import Tile, TileQuery, TileSet


def _indices(session: Session) -> dict[str, str]:
    """Return the latest yearly index of each level (province, commune) by code."""
    out: dict[str, str] = {}
    for ix in session.scalars(
        select(CompositeIndex)
        .where(CompositeIndex.period_type == "yearly")
        .order_by(CompositeIndex.code)
    ):
        out[ix.level] = ix.code  # codes end with the year: the last is the latest
    return out


_KEPT: OrderedDict[tuple[Any, ...], dict[int, float]] = OrderedDict()
_LOCK = threading.Lock()


def _level_values(
    lake: Lake, spec: IndexSpec, level: str, year: int, day: date
) -> dict[int, float]:
    """Return one level's index per unit, kept while what it is worked out from holds (the
    engine keeps only a few computations; the IOC asks for several years at once)."""
    p = index_period(str(year))
    key = (id(lake), computation_key(lake, spec, p, day))
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    comp = computed(lake, spec, p, day)
    out = {
        org: res.total / spec.normalise
        for org, res in comp.results.items()
        if org in comp.orgs
        and comp.orgs[org].kind == level
        and res.reported
        and res.total is not None
    }
    with _LOCK:
        _KEPT[key] = out
        while len(_KEPT) > 64:
            _KEPT.popitem(last=False)
    return out


def dti_values(q: TileQuery) -> Mapping[int, float | None]:
    """Return the index (0 to 1) of every province and commune that reported in the year."""
    out: dict[int, float | None] = {}
    with q.lake.db.session() as session:
        specs = {
            level: load_spec(session, code)
            for level, code in _indices(session).items()
            if level in ("province", "commune")
        }
    for level, spec in specs.items():
        got = _level_values(q.lake, spec, level, q.period.first.year, q.day)
        out.update(got if q.orgs is None else {o: v for o, v in got.items() if o in q.orgs})
    return out


def dti_drill(session: Session, principal: Principal, kind: str, code: str, period: Any) -> str:
    """Return the indicators page of the unit for the year."""
    index = _indices(session).get(kind)
    if index is None:
        return ""
    return f"/indicators?index={index}&period={period.first.year}&unit={code}"


TILES = TileSet(
    domain="indicators",
    name="Chỉ số chuyển đổi số",
    tiles=(
        Tile(
            code="indicators.dti",
            name="Chỉ số chuyển đổi số (DTI)",
            group="Chuyển đổi số",
            measure="",
            values=dti_values,
            decimals=4,
            kinds=("year",),
            levels=("province", "commune"),
            drill=dti_drill,
            map=True,
            public=True,
            whole=True,
            note="điểm đạt trên điểm tối đa của bộ chỉ số, từ 0 đến 1",
            order=1,
        ),
    ),
)
