"""What a domain shows on the operations centre (IOC): its tiles and its alert sources.

A domain lists them in a :class:`TileSet` in its own package (``<domain>/ioc.py``) and names it
under the ``tinhso.tiles`` entry points in ``pyproject.toml``; the IOC lists what is registered,
so it names no domain and a new domain adds itself without editing it.

A *tile* is one figure per organisation (a unit by its id, an agency by minus its id, as the
indicator engine counts them) for a period: the IOC asks it for the selected period and the ones
before (the trend), compares it with its target (the status colour), ranks the communes and
agencies by it and colours the map with it. Most tiles read a figure the domain already gives
the indicator engine (:func:`figure_values`); a tile may compute its own.

An *alert source* finds what needs a person's attention now (a report overdue, a task late);
the IOC's rules (``catalog/ioc/alerts.yaml``) say which sources are watched, with which
parameters, and the IOC keeps each alert's state and history.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from tinhso import figures
from tinhso.flight import SingleFlight

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tinhso.accounts.scope import Principal
    from tinhso.lake import Lake

ENTRY_POINT_GROUP = "tinhso.tiles"
KINDS = ("year", "half", "quarter", "month")


@dataclass(frozen=True)
class TileQuery:
    """What a tile is asked for: a period (``services.periods.Period``), the units valid on
    ``day``, and the organisations wanted (None: every one it has)."""

    lake: Lake
    period: Any
    day: date
    orgs: frozenset[int] | None = None


Values = Callable[[TileQuery], Mapping[int, float | None]]
# (session, principal, org kind, org code, period) -> the page behind, "" when the caller may not
Drill = Callable[["Session", "Principal", str, str, Any], str]


@dataclass(frozen=True)
class Tile:
    """One figure of the IOC.

    ``kinds`` are the period kinds the figure has (the first is the one a trend steps by when
    the selected period is of another kind; a yearly assessment has only ``year``); ``target``
    and ``warn`` give the colour: at or beyond the target green, at or beyond ``warn`` amber,
    else red (``direction`` says which way is better); ``stock`` marks a figure that is a state
    on a day (villages covered) rather than a count over the period."""

    code: str
    name: str
    group: str
    measure: str
    values: Values
    direction: str = "higher"
    decimals: int = 1
    kinds: tuple[str, ...] = KINDS
    target: float | None = None
    warn: float | None = None
    levels: tuple[str, ...] = ("province", "commune", "agency")
    drill: Drill | None = None
    headline: bool = True  # among the overview's tiles (else ranking and map only)
    map: bool = False  # offered as a layer of the communes' map
    public: bool = False  # may be shown on the public page when the catalog marks it so
    stock: bool = False
    # An assessment of whole periods (the DTI): a period under way is not shown as its figure,
    # the last complete one is.
    whole: bool = False
    note: str = ""
    order: int = 100


@dataclass(frozen=True)
class AlertFound:
    """Something that needs attention: ``key`` is stable while it lasts (so that it is one alert
    with a history, not a new one at each look), ``org`` the organisation it concerns."""

    key: str
    org: int
    text: str
    url: str = ""
    severity: str = "warning"  # warning, critical


@dataclass(frozen=True)
class AlertSource:
    """A kind of alert a domain can find: ``find(session, lake, day, params)``."""

    code: str
    name: str
    find: Callable[[Session, Lake, date, Mapping[str, Any]], list[AlertFound]]
    params: Mapping[str, str] = field(default_factory=dict)  # name -> what it means


@dataclass(frozen=True)
class TileSet:
    """A domain's tiles and alert sources."""

    domain: str
    name: str
    tiles: tuple[Tile, ...] = ()
    alerts: tuple[AlertSource, ...] = ()


_LOCK = threading.Lock()
_FOUND: dict[str, TileSet] | None = None
_ADDED: dict[str, TileSet] = {}


def _discovered() -> dict[str, TileSet]:
    global _FOUND
    with _LOCK:
        if _FOUND is None:
            found: dict[str, TileSet] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                ts = ep.load()
                if not isinstance(ts, TileSet):
                    raise TypeError(f"{ep.value} is not a TileSet")
                found[ts.domain] = ts
            _FOUND = found
        return _FOUND


def register(ts: TileSet) -> None:
    """Add a set at run time (a set defined outside an installed package)."""
    with _LOCK:
        _ADDED[ts.domain] = ts


def unregister(domain: str) -> None:
    """Remove a set added with :func:`register`."""
    with _LOCK:
        _ADDED.pop(domain, None)


def sets() -> dict[str, TileSet]:
    """Return every registered set by domain."""
    return {**_discovered(), **_ADDED}


def all_tiles() -> dict[str, Tile]:
    """Return every registered tile by code, in display order."""
    found = [t for ts in sets().values() for t in ts.tiles]
    return {t.code: t for t in sorted(found, key=lambda t: (t.order, t.code))}


def alert_sources() -> dict[str, AlertSource]:
    """Return every registered alert source by code."""
    return {a.code: a for ts in sets().values() for a in ts.alerts}


_CACHE: OrderedDict[tuple[Any, ...], tuple[object, dict[int, dict[str, float | None]]]] = (
    OrderedDict()
)
_CACHE_SIZE = 128
_FLIGHT: SingleFlight[dict[int, dict[str, float | None]]] = SingleFlight()


# How long what a family holds is taken as read: an overview asks each family for a dozen
# periods, and fifty open pages ask together; news still reaches them within seconds.
FRESH_FOR = 1.0
_READ: dict[tuple[Any, ...], tuple[float, object]] = {}


def fresh_version(lake: Lake, family: figures.FigureFamily, period: Any, day: date) -> object:
    """Return the family's version for the period after letting it bring its copy up to date,
    at most once a second per family (and per period for the version)."""
    now = time.monotonic()
    rkey = (id(lake), family.prefix)
    with _LOCK:
        seen = _READ.get(rkey)
        stale = seen is None or now - seen[0] > FRESH_FOR
        if stale:
            _READ[rkey] = (now, None)
    if stale and family.refresh is not None:
        family.refresh(lake, None)
    vkey = (id(lake), family.prefix, period.code, day)
    with _LOCK:
        held = _READ.get(vkey)
        if not stale and held is not None and now - held[0] <= FRESH_FOR:
            return held[1]
    version = family.version(lake, period, day)
    with _LOCK:
        _READ[vkey] = (now, version)
        if len(_READ) > 4096:
            _READ.clear()
    return version


def family_values(
    lake: Lake, family: figures.FigureFamily, period: Any, day: date
) -> dict[int, dict[str, float | None]]:
    """Return every figure of a family per organisation for the period, kept while the
    family's version holds (the tiles of one family share one fetch; a newer version replaces
    the older in place, and requests arriving together share one fetch)."""
    key = (id(lake), family.prefix, period.code, day)
    version = fresh_version(lake, family, period, day)
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None and found[0] == version:
            _CACHE.move_to_end(key)
            return found[1]

    def fetch() -> dict[int, dict[str, float | None]]:
        got = family.fetch(lake, period, day, tuple(family.figures())).values
        with _LOCK:
            _CACHE[key] = (version, got)
            _CACHE.move_to_end(key)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return got

    return _FLIGHT.do((key, version), fetch)


def figure_values(ref: str, denominator: str = "", factor: float = 1.0) -> Values:
    """Return a tile's values read from a figure family: ``ref`` times ``factor``, or ``ref``
    over ``denominator`` times ``factor`` (none where the denominator is none or 0)."""

    def values(q: TileQuery) -> dict[int, float | None]:
        family = figures.family_of(ref)
        if family is None:
            return {}
        got = family_values(q.lake, family, q.period, q.day)
        out: dict[int, float | None] = {}
        for org, vals in got.items():
            if q.orgs is not None and org not in q.orgs:
                continue
            num = vals.get(ref)
            if not denominator:
                out[org] = None if num is None else num * factor
                continue
            den = vals.get(denominator)
            out[org] = None if num is None or not den else num / den * factor
        return out

    return values


def figure_drill(ref: str) -> Drill:
    """Return where a figure family says the figure of an organisation leads (its page)."""

    def drill(session: Session, principal: Principal, kind: str, code: str, period: Any) -> str:
        family = figures.family_of(ref)
        if family is None or family.drill is None:
            return ""
        return family.drill(session, principal, ref, kind, code, period).page or ""

    return drill
