"""Figures that domains compute from their own records, for the indicator engine to use.

A domain registers a *family*: a prefix (``qd766``, ``infra``), the figures' references and
Vietnamese names (``infra.villages_4g`` — "Số thôn có sóng 4G/5G"), and how to compute them per
organisation for a period. A catalog expression may then use any registered figure as it uses a
data element, with the same checks when the catalog is loaded (an unknown figure is refused
there, not found missing at computation).

Families are found through the ``tinhso.figures`` entry points of installed packages (each
domain names its family in ``pyproject.toml``), so the engine names no domain and a new domain
adds itself without editing it; :func:`register` adds one at run time (a test's own family).

Organisations are the engine's: a unit by its id, an agency by minus its id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from tinhso.accounts.scope import Principal
    from tinhso.lake import Lake

ENTRY_POINT_GROUP = "tinhso.figures"


@dataclass(frozen=True)
class FigureValues:
    """A family's figures per organisation; ``partial`` names the organisations whose figures
    hold only part of a unit split by the 2025 reform."""

    values: dict[int, dict[str, float | None]] = field(default_factory=dict)
    partial: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Drill:
    """Where a figure of one organisation leads: its page and the records behind it (API),
    each None when the caller may not open them."""

    page: str | None = None
    records: str | None = None
    page_label: str = "Xem trang số liệu"
    records_file: str | None = None  # the records as a spreadsheet to download
    records_label: str = "Tải danh sách bản ghi (Excel)"
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureFamily:
    """What a domain tells the engine about its figures.

    - ``figures()``: every reference of the family (``prefix.code``) with its Vietnamese name;
    - ``fetch(lake, period, day, refs)``: the values of ``refs`` per organisation, on the units
      valid on ``day``;
    - ``version(lake, period, day)``: a value that changes whenever a figure of the period may
      have (the engine keeps a computation while it holds); read, not worked out: cheap;
    - ``refresh(lake, conn)``: bring the domain's own copy up to date before a version is read,
      looking for changes on ``conn`` (the request's connection) when given (optional);
    - ``drill(session, principal, ref, org_kind, org_code, period)``: where the figure of one
      organisation leads (optional).
    """

    prefix: str
    name: str
    figures: Callable[[], Mapping[str, str]]
    fetch: Callable[[Lake, Any, date, tuple[str, ...]], FigureValues]
    version: Callable[[Lake, Any, date], Hashable]
    refresh: Callable[[Lake, Connection | None], None] | None = None
    drill: Callable[[Session, Principal, str, str, str, Any], Drill] | None = None

    def owns(self, ref: str) -> bool:
        """Return whether ``ref`` is named with this family's prefix."""
        return ref.startswith(self.prefix + ".")


_LOCK = threading.Lock()
_FOUND: dict[str, FigureFamily] | None = None
_ADDED: dict[str, FigureFamily] = {}


def _discovered() -> dict[str, FigureFamily]:
    global _FOUND
    with _LOCK:
        if _FOUND is None:
            found: dict[str, FigureFamily] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                family = ep.load()
                if not isinstance(family, FigureFamily):
                    raise TypeError(f"{ep.value} is not a FigureFamily")
                found[family.prefix] = family
            _FOUND = found
        return _FOUND


def register(family: FigureFamily) -> None:
    """Add a family at run time (a family defined outside an installed package)."""
    with _LOCK:
        _ADDED[family.prefix] = family


def unregister(prefix: str) -> None:
    """Remove a family added with :func:`register`."""
    with _LOCK:
        _ADDED.pop(prefix, None)


def families() -> dict[str, FigureFamily]:
    """Return every family by prefix: the installed ones and those added at run time."""
    return {**_discovered(), **_ADDED}


def prefixes() -> tuple[str, ...]:
    """Return the registered prefixes, each followed by its dot (``"qd766."``)."""
    return tuple(p + "." for p in families())


def family_of(ref: str) -> FigureFamily | None:
    """Return the family whose prefix names ``ref``, if any."""
    head = ref.split(".", 1)[0]
    return families().get(head) if "." in ref else None


def names() -> dict[str, str]:
    """Return every registered figure with its Vietnamese name."""
    out: dict[str, str] = {}
    for family in families().values():
        out.update(family.figures())
    return out


def by_family(refs: tuple[str, ...] | list[str]) -> dict[str, tuple[str, ...]]:
    """Group figure references by the prefix of their family (in the order given)."""
    out: dict[str, list[str]] = {}
    for ref in refs:
        family = family_of(ref)
        if family is not None:
            out.setdefault(family.prefix, []).append(ref)
    return {k: tuple(v) for k, v in out.items()}
