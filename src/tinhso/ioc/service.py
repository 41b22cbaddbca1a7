"""The operations centre's overview: the caller's province, commune or agency, each registered
tile for the selected period with its trend, target and status, and the communes and agencies
ranked by a tile. The IOC computes nothing of its own: every value is a domain's tile
(:mod:`tinhso.tiles`), and every figure leads to the domain's page behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tinhso import figures, tiles
from tinhso.accounts.scope import Principal
from tinhso.errors import FieldError, InvalidInput, NotFound
from tinhso.fmt import local_today
from tinhso.indicators import service as indicators
from tinhso.lake import Lake
from tinhso.services.periods import Period, parse_period, previous
from tinhso.tiles import Tile, TileQuery
from tinhso.units import service as units
from tinhso.units.models import Agency, Unit

TREND = {"month": 6, "quarter": 6, "half": 4, "year": 3}  # periods in a trend, the selected last
RANK_SHOWN = 5
KIND_ORDER = ("month", "quarter", "half", "year")
STATUS_LABELS = {
    "good": "Đạt mục tiêu",
    "warn": "Gần đạt",
    "bad": "Chưa đạt",
    "none": "Chưa có mục tiêu",
    "nodata": "Chưa có số liệu",
}


@dataclass(frozen=True)
class Subject:
    """Whom the overview is about: a province, a commune, or an agency."""

    kind: str  # province, commune, agency
    org: int  # the unit's id, or minus the agency's
    code: str
    name: str
    unit: Unit  # the unit, or the agency's unit
    agency: Agency | None = None


@dataclass
class Point:
    """A tile's value for one period."""

    period: Period
    value: float | None
    complete: bool


@dataclass
class TileView:
    """A tile as the overview shows it."""

    tile: Tile
    period: Period
    value: float | None
    complete: bool
    trend: list[Point]
    status: str
    asked: Period | None = None  # the period asked for, when the figure is of another
    previous: Point | None = None  # the period before, when both are complete
    change: float | None = None
    drill: str = ""

    @property
    def status_label(self) -> str:
        """Return the status in words (the colour is never the only sign)."""
        return STATUS_LABELS[self.status]


@dataclass
class RankRow:
    """One commune or agency in a ranking."""

    rank: int
    of: int
    code: str
    name: str
    value: float
    url: str


@dataclass
class Ranking:
    """The best and the worst by a tile; none when fewer than two have a value."""

    tile: Tile
    kind: str  # commune, agency
    best: list[RankRow] = field(default_factory=list)
    worst: list[RankRow] = field(default_factory=list)
    count: int = 0
    subject_rank: RankRow | None = None
    period: Period | None = None


def default_period(today: date | None = None) -> str:
    """Return the quarter of today: the overview opens on the quarter under way."""
    d = today or local_today()
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def period_choices(today: date | None = None) -> list[Period]:
    """Return the periods offered by the selector: this year's and last year's quarters and
    months so far, and the two years."""
    d = today or local_today()
    out: list[Period] = []
    for y in (d.year, d.year - 1):
        out.append(parse_period(str(y)))
        out += [parse_period(f"{y}-Q{q}") for q in range(4, 0, -1) if date(y, 3 * q - 2, 1) <= d]
        out += [parse_period(f"{y}-{m:02d}") for m in range(12, 0, -1) if date(y, m, 1) <= d]
    return out


def subject(
    session: Session,
    principal: Principal,
    *,
    unit: str = "",
    agency: str = "",
    province_code: str,
    day: date,
) -> Subject:
    """Return whom the overview is about: the unit or agency asked for (in the caller's scope),
    else the caller's own: its province or commune, its agency, or for the whole installation
    the province it serves."""
    principal.require("read")
    if agency.strip():
        found = units.agencies_by_code(session, principal=principal, codes=[agency.strip()]).get(
            agency.strip()
        )
        if found is None:
            raise NotFound(f"không tìm thấy cơ quan '{agency.strip()}' trong phạm vi được xem")
        return _agency(session, found)
    if unit.strip():
        return _unit(units.find_data_unit(session, principal=principal, code=unit, on=day))
    roots = [int(p.strip("/").split("/")[-1]) for p in principal.unit_paths if p.strip("/")]
    found_units = units.units_by_id(session, roots)
    own = [
        u
        for u in (found_units[i] for i in roots if i in found_units)
        if u.level in ("province", "commune") and units.is_valid_on(u, day)
    ]
    if own:
        return _unit(own[0])
    if principal.agency_paths:
        ids = [int(p.strip("/").split("/")[-1]) for p in principal.agency_paths]
        by_id = units.agencies_by_id(session, ids)
        if ids[0] in by_id:
            return _agency(session, by_id[ids[0]])
    if principal.is_global:
        return _unit(units.find_data_unit(session, principal=principal, code=province_code, on=day))
    raise InvalidInput("tài khoản chưa được giao địa bàn hay cơ quan để xem trung tâm điều hành")


def resolve(
    session: Session,
    principal: Principal,
    *,
    period: str,
    unit: str = "",
    agency: str = "",
    province_code: str,
) -> tuple[Period, Subject]:
    """Return the period asked for (the quarter under way by default) and whom it is about
    (:func:`subject`, on today's units); raise InvalidInput, NotFound as those do."""
    selected = parse_period(period or default_period())
    who = subject(
        session, principal, unit=unit, agency=agency, province_code=province_code, day=local_today()
    )
    return selected, who


def _unit(u: Unit) -> Subject:
    return Subject(u.level, u.id, u.code, u.name, u)


def _agency(session: Session, a: Agency) -> Subject:
    home = units.units_by_id(session, [a.unit_id])[a.unit_id]
    return Subject("agency", -a.id, a.code, a.name, home, a)


def tile_period(tile: Tile, selected: Period) -> Period:
    """Return the period of the tile's own kind that shows the selected one: the period itself
    when the tile has that kind, else the shortest of its kinds that contains it (a yearly
    assessment for a quarter: its year)."""
    if selected.kind in tile.kinds:
        return selected
    rank = KIND_ORDER.index(selected.kind)
    for kind in KIND_ORDER[rank + 1 :]:
        if kind in tile.kinds:
            return _containing(kind, selected.first)
    return selected


def shown_period(tile: Tile, selected: Period, today: date | None = None) -> Period:
    """Return the period whose figure the tile shows for the selected one: :func:`tile_period`,
    or for an assessment of whole periods still under way, the last one complete."""
    period = tile_period(tile, selected)
    if tile.whole and period.last >= (today or local_today()):
        return previous(period)
    return period


def _containing(kind: str, day: date) -> Period:
    if kind == "year":
        return parse_period(str(day.year))
    if kind == "half":
        return parse_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month:02d}")


def status(tile: Tile, value: float | None) -> str:
    """Return the tile's colour for a value: good, warn, bad; none without a target."""
    if value is None:
        return "nodata"
    if tile.target is None:
        return "none"
    lower = tile.direction == "lower"

    def better(a: float, b: float) -> bool:
        return a <= b if lower else a >= b

    if better(value, tile.target):
        return "good"
    if tile.warn is not None and better(value, tile.warn):
        return "warn"
    return "bad"


def _value(lake: Lake, tile: Tile, period: Period, org: int, today: date) -> float | None:
    # Every period on today's units: the domains carry older figures across the 2025 reform
    # (or have none for a unit that is not the same since: unknown, never another's).
    got = tile.values(TileQuery(lake, period, today, frozenset({org})))
    return got.get(org)


def tile_view(
    session: Session,
    lake: Lake,
    principal: Principal,
    tile: Tile,
    who: Subject,
    selected: Period,
    today: date,
) -> TileView:
    """Return one tile for the subject: its value, trend, status and where it leads (an
    assessment of whole periods from its last complete one, :func:`shown_period`)."""
    asked = tile_period(tile, selected)
    period = shown_period(tile, selected, today)
    points: list[Point] = []
    p = period
    for _ in range(TREND[period.kind]):
        if p.first > today:
            p = previous(p)
            continue
        points.append(Point(p, _value(lake, tile, p, who.org, today), p.last < today))
        p = previous(p)
    points.reverse()
    current = points[-1] if points else Point(period, None, False)
    view = TileView(
        tile,
        current.period,
        current.value,
        current.complete,
        points,
        status(tile, current.value),
        asked=asked,
    )
    if len(points) >= 2 and current.complete and points[-2].complete:
        before = points[-2]
        view.previous = before
        if before.value is not None and current.value is not None:
            view.change = current.value - before.value
    elif len(points) >= 2 and not current.complete:
        view.previous = points[-2]  # shown as the last complete figure, not as a change
    if tile.drill is not None:
        view.drill = tile.drill(session, principal, who.kind, who.code, current.period)
    return view


def overview(
    session: Session,
    lake: Lake,
    principal: Principal,
    who: Subject,
    selected: Period,
    *,
    today: date | None = None,
) -> list[TileView]:
    """Return the subject's headline tiles for the period, in the registered order."""
    d = today or local_today()
    return [
        tile_view(session, lake, principal, t, who, selected, d)
        for t in tiles.all_tiles().values()
        if t.headline and who.kind in t.levels
    ]


def ranking(
    session: Session,
    lake: Lake,
    principal: Principal,
    tile: Tile,
    who: Subject,
    selected: Period,
    kind: str,
    *,
    today: date | None = None,
) -> Ranking | None:
    """Return the communes (or agencies) of the subject's province ranked by the tile, best
    first (lower first where lower is better), those the caller may read; none for a tile that
    has no such level. A commune officer gets the commune's own rank only."""
    if kind not in tile.levels:
        return None
    d = today or local_today()
    period = shown_period(tile, selected, d)
    day = d  # today's communes and agencies, as the overview's
    province = _province(session, who.unit)
    if province is None:
        return None
    if kind == "commune":
        members = {
            u.id: (u.code, u.name)
            for u in units.units_below(session, unit=province, level="commune", on=day)
        }
    else:
        members = {
            -a.id: (a.code, a.name)
            for a in units.agencies_of(session, principal=principal, unit=province)
        }
    got = tile.values(TileQuery(lake, period, day, frozenset(members)))
    have = sorted(
        ((org, v) for org, v in got.items() if v is not None and org in members),
        key=lambda x: (x[1] if tile.direction == "lower" else -x[1], members[x[0]][1]),
    )
    out = Ranking(tile, kind, count=len(have), period=period)
    if len(have) < 2:
        return out  # no rank among one
    seen = indicators.visible_orgs(session, principal, [o for o, _ in have])
    rows: list[RankRow] = []
    rank, last = 0, None
    for i, (org, v) in enumerate(have, start=1):
        if v != last:
            rank, last = i, v
        code, name = members[org]
        q = f"agency={code}" if kind == "agency" else f"unit={code}"
        rows.append(RankRow(rank, len(have), code, name, v, f"/?{q}&period={selected.code}"))
        if org == who.org:
            out.subject_rank = rows[-1]
    visible = [r for r, (org, _) in zip(rows, have, strict=True) if org in seen]
    if who.kind == "province" or principal.is_global:
        out.best = visible[:RANK_SHOWN]
        # The worst are those not among the best (with 6 to 9 ranked, fewer than five).
        out.worst = list(reversed(visible[max(RANK_SHOWN, len(visible) - RANK_SHOWN) :]))
    return out


def _province(session: Session, unit: Unit) -> Unit | None:
    ids = [int(i) for i in unit.path.strip("/").split("/") if i]
    if not ids:
        return None
    found = units.units_by_id(session, ids[:1]).get(ids[0])
    return found if found is not None and found.level == "province" else None


def data_version(lake: Lake, today: date | None = None) -> tuple[object, ...]:
    """Return what every figure family holds now (this quarter's and this year's versions,
    after letting each bring its copy up to date): it changes when any domain's data does."""
    d = today or local_today()
    out: list[object] = []
    for prefix, family in sorted(figures.families().items()):
        for code in (default_period(d), str(d.year)):
            out.append((prefix, tiles.fresh_version(lake, family, parse_period(code), d)))
    return tuple(out)


def province_of(session: Session, who: Subject) -> Unit | None:
    """Return the subject's province (a commune's, an agency's)."""
    return _province(session, who.unit)


def find_tile(code: str) -> Tile:
    """Return a registered tile by code, or raise InvalidInput naming the choices."""
    every = tiles.all_tiles()
    if code in every:
        return every[code]
    raise InvalidInput(
        f"không có ô số liệu '{code}'",
        [FieldError("tile", "chọn một trong: " + ", ".join(every), value=code)],
    )


def as_json(view: TileView) -> dict[str, Any]:
    """Return a tile as plain data (the API's shape)."""
    t = view.tile
    return {
        "code": t.code,
        "name": t.name,
        "group": t.group,
        "measure": t.measure,
        "decimals": t.decimals,
        "direction": t.direction,
        "period": view.period.code,
        "period_label": view.period.label,
        "complete": view.complete,
        "value": view.value,
        "target": t.target,
        "status": view.status,
        "status_label": view.status_label,
        "change": view.change,
        "trend": [
            {
                "period": p.period.code,
                "label": p.period.label,
                "value": p.value,
                "complete": p.complete,
            }
            for p in view.trend
        ],
        "drill": view.drill or None,
        "note": t.note or None,
    }


def map_layer(
    session: Session,
    lake: Lake,
    principal: Principal,
    tile: Tile,
    who: Subject,
    selected: Period,
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """Return the province's communes with their boundaries and the tile's value of each that
    the caller may read (a commune with no figure has none, drawn grey), for the map."""
    from tinhso.ioc import boundaries

    d = today or local_today()
    province = _province(session, who.unit)
    if province is None or not tile.map or "commune" not in tile.levels:
        raise InvalidInput(
            f"ô '{tile.code}' không vẽ được trên bản đồ xã, phường",
            [FieldError("layer", "chọn một ô có bản đồ", value=tile.code)],
        )
    fc = boundaries.feature_collection(session, province=province)
    period = shown_period(tile, selected, d)
    communes = {
        u.id: u.code for u in units.units_below(session, unit=province, level="commune", on=d)
    }
    got = tile.values(TileQuery(lake, period, d, frozenset(communes)))
    seen = indicators.visible_orgs(session, principal, list(got))
    return {
        "province": {"code": province.code, "name": province.name},
        "layer": {
            "code": tile.code,
            "name": tile.name,
            "measure": tile.measure,
            "decimals": tile.decimals,
            "direction": tile.direction,
        },
        "period": period.code,
        "period_label": period.label,
        "schematic": fc["schematic"],
        "boundaries": {"type": "FeatureCollection", "features": fc["features"]},
        "values": {
            communes[org]: v
            for org, v in got.items()
            if v is not None and org in communes and org in seen
        },
    }
