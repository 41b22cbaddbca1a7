"""JSON API of the operations centre: the registered tiles, a subject's overview for a period,
and the communes or agencies ranked by a tile — the same figures as the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tinhso import tiles
from tinhso.accounts.scope import Principal
from tinhso.config import Settings
from tinhso.db import Id
from tinhso.errors import InvalidInput
from tinhso.fmt import local_today
from tinhso.ioc import alerts, live, ranks
from tinhso.ioc import service as ioc
from tinhso.services.periods import Period
from tinhso.web.answers import answers_of
from tinhso.web.deps import ApiPrincipal, LakeDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/ioc", tags=["ioc"])
MAX_RANKS = 5 * 1024 * 1024
PeriodQ = Annotated[
    str, Query(description="kỳ: 2026, 2026-Q4, 2026-H2 hoặc 2026-11; mặc định quý hiện tại")
]
UnitQ = Annotated[str, Query(description="mã tỉnh, xã; mặc định đơn vị của người gọi")]
AgencyQ = Annotated[str, Query(description="mã cơ quan (thay cho unit)")]


def _subject(
    session: Session, principal: Principal, settings: Settings, period: str, unit: str, agency: str
) -> tuple[Period, ioc.Subject]:
    return ioc.resolve(
        session,
        principal,
        period=period,
        unit=unit,
        agency=agency,
        province_code=settings.province_code,
    )


def _who(who: ioc.Subject) -> dict[str, Any]:
    return {"kind": who.kind, "code": who.code, "name": who.name}


@router.get("/tiles", summary="Các ô số liệu các phân hệ đăng ký cho trung tâm điều hành")
def registered(principal: ApiPrincipal) -> Any:
    """Every registered tile: its domain, unit of measure, periods, target and levels."""
    principal.require("read")
    out = []
    for ts in tiles.sets().values():
        for t in ts.tiles:
            out.append(
                {
                    "code": t.code,
                    "domain": ts.domain,
                    "name": t.name,
                    "group": t.group,
                    "measure": t.measure,
                    "direction": t.direction,
                    "kinds": list(t.kinds),
                    "target": t.target,
                    "warn": t.warn,
                    "levels": list(t.levels),
                    "map": t.map,
                }
            )
    return {"tiles": sorted(out, key=lambda x: x["code"])}


@router.get(
    "/overview", summary="Tổng quan: các ô số liệu của đơn vị trong kỳ", response_model=None
)
def overview(
    request: Request,
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    settings: SettingsDep,
    period: PeriodQ = "",
    unit: UnitQ = "",
    agency: AgencyQ = "",
) -> Any:
    """The subject's headline tiles: value, trend over the last periods (a period under way is
    marked ``complete: false``), target, status and the page behind each."""
    selected, who = _subject(session, principal, settings, period, unit, agency)

    def build(s: Session) -> dict[str, Any]:
        views = ioc.overview(s, lake, principal, who, selected)
        return {
            "subject": _who(who),
            "period": selected.code,
            "tiles": [ioc.as_json(v) for v in views],
        }

    return answers_of(request).respond(
        request, session, principal.scope_key(), _version(lake), build
    )


def _version(lake: Any) -> tuple[object, ...]:
    """What an overview is worked out from: every family's data, the day, the tiles."""
    return (live.token(ioc.data_version(lake)), local_today(), tuple(tiles.all_tiles()))


@router.get("/ranking", summary="Xếp hạng xã, phường hoặc cơ quan theo một ô số liệu")
def ranking(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    settings: SettingsDep,
    tile: Annotated[str, Query(description="mã ô số liệu, ví dụ services.on_time")],
    kind: Annotated[
        str, Query(pattern="^(commune|agency)$", description="commune hoặc agency")
    ] = "commune",
    period: PeriodQ = "",
    unit: UnitQ = "",
) -> Any:
    """The communes (or agencies) of the subject's province ranked by the tile, best first;
    ``ranked`` false when fewer than two have a figure (no rank among one)."""
    selected, who = _subject(session, principal, settings, period, unit, "")
    t = ioc.find_tile(tile)
    r = ioc.ranking(session, lake, principal, t, who, selected, kind)
    return {
        "subject": _who(who),
        "tile": t.code,
        "period": ioc.shown_period(t, selected).code,
        "kind": kind,
        "ranked": bool(r and r.count >= 2),
        "count": r.count if r else 0,
        "subject_rank": None
        if r is None or r.subject_rank is None
        else {"rank": r.subject_rank.rank, "of": r.subject_rank.of},
        "best": [_row(x) for x in (r.best if r else [])],
        "worst": [_row(x) for x in (r.worst if r else [])],
    }


def _row(x: ioc.RankRow) -> dict[str, Any]:
    return {"rank": x.rank, "of": x.of, "code": x.code, "name": x.name, "value": x.value}


@router.get("/map", summary="Bản đồ xã, phường tô màu theo một ô số liệu")
def map_layer(
    session: SessionDep,
    principal: ApiPrincipal,
    lake: LakeDep,
    settings: SettingsDep,
    layer: Annotated[str, Query(description="mã ô số liệu có bản đồ, ví dụ services.on_time")],
    period: PeriodQ = "",
    unit: UnitQ = "",
) -> Any:
    """The province's communes: boundaries (GeoJSON; ``schematic`` true for a generated
    sketch, not the true shapes) and the layer's value of each the caller may read."""
    selected, who = _subject(session, principal, settings, period, unit, "")
    return ioc.map_layer(session, lake, principal, ioc.find_tile(layer), who, selected)


@router.get("/alerts", summary="Cảnh báo trong phạm vi được xem")
def alert_list(
    session: SessionDep,
    principal: ApiPrincipal,
    state: Annotated[
        str, Query(description="open, acknowledged, resolved; mặc định: còn hiệu lực")
    ] = "",
) -> Any:
    """The alerts of the caller's units and agencies, newest first."""
    return {"alerts": [alerts.as_json(a) for a in alerts.visible(session, principal, state=state)]}


@router.get("/alerts/{alert_id}", summary="Một cảnh báo và lịch sử của nó")
def alert_one(session: SessionDep, principal: ApiPrincipal, alert_id: Id) -> Any:
    """One alert with every step of its history."""
    row = alerts.get(session, principal, alert_id)
    return alerts.as_json(row, alerts.history(session, row))


class Ack(BaseModel):
    """A comment on taking an alert in hand."""

    comment: str = Field(max_length=2000, description="đã giao ai, xử lý thế nào")


@router.post("/alerts/{alert_id}:acknowledge", summary="Tiếp nhận cảnh báo (kèm ghi chú)")
def alert_acknowledge(session: SessionDep, principal: ApiPrincipal, alert_id: Id, body: Ack) -> Any:
    """Record that the caller took the alert in hand (a later call adds a comment)."""
    row = alerts.acknowledge(session, principal, alert_id, body.comment)
    return alerts.as_json(row, alerts.history(session, row))


@router.get("/ranks", summary="Thứ hạng toàn quốc của tỉnh (theo bảng Bộ công bố)")
def national(
    session: SessionDep, principal: ApiPrincipal, settings: SettingsDep, unit: UnitQ = ""
) -> Any:
    """The province's latest published rank in each index, with the one before."""
    _p, who = _subject(session, principal, settings, "", unit, "")
    province = ioc.province_of(session, who)
    return {"ranks": ranks.standing(session, province_code=province.code) if province else []}


@router.post("/ranks:import", summary="Nạp bảng xếp hạng toàn quốc (quản trị)", status_code=200)
async def national_import(
    session: SessionDep,
    principal: ApiPrincipal,
    file: Annotated[UploadFile, File(description="tệp CSV hoặc XLSX")],
    index: Annotated[str, Form(description="dti hoặc qd766")],
    period: Annotated[str, Form(description="kỳ xếp hạng: 2025, 2025-Q3")],
) -> Any:
    """Load a published ranking (all or nothing)."""
    data = await file.read(MAX_RANKS + 1)
    if len(data) > MAX_RANKS:
        raise InvalidInput("tệp lớn hơn 5 MB")

    def load() -> Any:
        rep = ranks.import_ranks(
            session,
            principal=principal,
            data=data,
            filename=file.filename or "",
            index=index,
            period=period,
        )
        return {"rows": rep.rows, "written": rep.written}

    return await run_in_threadpool(load)
