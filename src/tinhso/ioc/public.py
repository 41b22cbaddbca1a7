"""The public page (``/cong-khai``, no sign-in): the figures the province marks public in the
catalog (``catalog/ioc/public.yaml``), for the province, of periods that have ended — nothing
provisional, no internal code, no person. Cacheable: an ETag from what the figures are worked
out from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from tinhso import tiles
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.errors import FieldError, InvalidInput
from tinhso.fmt import local_today
from tinhso.ioc import service as ioc
from tinhso.lake import Lake
from tinhso.services.catalog import CATALOG_DIR
from tinhso.services.periods import Period, parse_period, previous
from tinhso.tiles import Tile

PUBLIC_FILE = CATALOG_DIR / "ioc" / "public.yaml"


@dataclass(frozen=True)
class PublicSet:
    """What the province publishes."""

    title: str
    tiles: tuple[Tile, ...]


def read_public(path: Path | None = None) -> PublicSet:
    """Read the list of public tiles; a tile not marked public by its domain is refused."""
    path = path or PUBLIC_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    every = tiles.all_tiles()
    errors = []
    chosen = []
    for i, code in enumerate(raw.get("tiles") or [], start=1):
        tile = every.get(str(code))
        if tile is None:
            errors.append(FieldError("tiles", "không có ô số liệu này", row=i, value=str(code)))
        elif not tile.public:
            errors.append(FieldError("tiles", "ô này không được công khai", row=i, value=str(code)))
        else:
            chosen.append(tile)
    if errors:
        raise InvalidInput(f"{path.name} có {len(errors)} lỗi", errors)
    return PublicSet(str(raw.get("title") or "Số liệu công khai"), tuple(chosen))


def last_complete(today: date | None = None) -> Period:
    """Return the last quarter that has ended: the public page's default."""
    return previous(parse_period(ioc.default_period(today or local_today())))


def choices(today: date | None = None) -> list[Period]:
    """Return the ended quarters and years of this year and the last two."""
    d = today or local_today()
    return [p for p in ioc.period_choices(d) if p.kind in ("quarter", "year") and p.last < d]


def figures(
    session: Session, lake: Lake, *, province_code: str, period: Period
) -> tuple[ioc.Subject, list[ioc.TileView]]:
    """Return the province and its public tiles for an ended period (a period not ended is
    refused: nothing provisional is published)."""
    today = local_today()
    if period.last >= today:
        raise InvalidInput(
            f"kỳ {period.label} chưa kết thúc: trang công khai chỉ đăng số liệu các kỳ đã kết thúc",
            [FieldError("period", "chọn một kỳ đã kết thúc", value=period.code)],
        )
    who = ioc.subject(
        session, SYSTEM_PRINCIPAL, unit=province_code, province_code=province_code, day=today
    )
    shown = read_public().tiles
    views = [ioc.tile_view(session, lake, SYSTEM_PRINCIPAL, t, who, period, today) for t in shown]
    for v in views:
        v.drill = ""  # the internal pages are not the public's
    return who, views
