"""The public services' tiles on the operations centre: the 766's main rates per province,
commune and agency, read from the 766 figures the indicator engine uses (``qd766.*``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinhso import figures
from tinhso.db import utcnow
from tinhso.fmt import vn_date
from tinhso.lake import Lake
from tinhso.services.models import Dossier
from tinhso.tiles import (
    AlertFound,
    AlertSource,
    Tile,
    TileQuery,
    TileSet,
    family_values,
    figure_drill,
    figure_values,
)

GROUP = "Dịch vụ công (Chỉ số 766)"


def _rate(code: str, ref: str, name: str, target: float, warn: float, order: int) -> Tile:
    return Tile(
        code=code,
        name=name,
        group=GROUP,
        measure="%",
        values=figure_values(ref, factor=100),  # the 766 keeps rates as shares
        target=target,
        warn=warn,
        drill=figure_drill(ref),
        map=True,
        public=True,
        order=order,
    )


def _late(q: TileQuery) -> dict[int, float | None]:
    """Return per organisation the dossiers processed in the period and not on time."""
    family = figures.family_of("qd766.2.1")
    if family is None:
        return {}
    out: dict[int, float | None] = {}
    for org, vals in family_values(q.lake, family, q.period, q.day).items():
        if q.orgs is not None and org not in q.orgs:
            continue
        num, den = vals.get("qd766.2.1.num"), vals.get("qd766.2.1.den")
        out[org] = None if num is None or den is None else den - num
    return out


def _silent(session: Session, lake: Lake, day: date, params: Mapping[str, Any]) -> list[AlertFound]:
    """A province whose one-stop system has sent no new dossier for ``hours`` hours."""
    hours = float(params.get("hours", 24))
    province = int(params["province"])
    last = session.scalar(select(func.max(Dossier.received_at)))
    now = utcnow()
    if last is not None and now - last <= timedelta(hours=hours):
        return []
    when = (
        "chưa nhận được hồ sơ nào"
        if last is None
        else f"hồ sơ mới nhất nhận lúc {vn_date(last, True)}"
    )
    return [
        AlertFound(
            key=f"silent:{province}",
            org=province,
            text=f"Không nhận được hồ sơ mới từ hệ thống một cửa trong {hours:g} giờ qua ({when})",
            url="/services",
            severity="critical",
        )
    ]


TILES = TileSet(
    domain="services",
    name="Dịch vụ công",
    tiles=(
        _rate("services.on_time", "qd766.2.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 95, 85, 10),
        _rate("services.online", "qd766.3.3", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", 80, 50, 11),
        _rate("services.payment", "qd766.3.6", "Tỷ lệ hồ sơ thanh toán trực tuyến", 50, 30, 12),
        _rate("services.digitised", "qd766.4.2", "Tỷ lệ hồ sơ được số hóa", 80, 50, 13),
        Tile(
            code="services.late",
            name="Số hồ sơ giải quyết trễ hạn",
            group=GROUP,
            measure="hồ sơ",
            values=_late,
            direction="lower",
            decimals=0,
            drill=figure_drill("qd766.2.1.den"),
            headline=False,
            order=14,
        ),
    ),
    alerts=(
        AlertSource(
            code="services.silent",
            name="Hệ thống một cửa không gửi hồ sơ mới",
            find=_silent,
            params={"hours": "số giờ không có hồ sơ mới (mặc định 24)"},
        ),
    ),
)
