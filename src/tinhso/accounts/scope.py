"""Who may read and write what: the caller as a principal, and its scope as SQL clauses.

Authorization lives here, in the query layer (DESIGN.md, decision 6): services ask the
principal for a clause and add it to every statement; routes never filter by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from tinhso.errors import Forbidden
from tinhso.units.models import Agency, Unit

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "units.write", "agencies.write", "users.manage", "audit.read"}),
    "leader": frozenset({"read"}),
    "officer": frozenset({"read", "units.write", "data.write"}),
    "analyst": frozenset({"read", "security.read"}),
    "viewer": frozenset({"read"}),
    "system": frozenset({"read", "data.write"}),
}

ROLE_LABELS = {
    "admin": "Quản trị hệ thống",
    "leader": "Lãnh đạo",
    "officer": "Cán bộ nghiệp vụ",
    "analyst": "Chuyên viên an toàn thông tin",
    "viewer": "Người xem",
    "system": "Hệ thống kết nối",
}


def subtree_of(column: Any, path: str) -> ColumnElement[bool]:
    """Return ``column LIKE 'path%'``: a materialised path is digits and slashes, so the
    pattern needs no escaping, and a plain literal prefix lets both databases use the index."""
    if not path.replace("/", "").isdigit():
        raise ValueError(f"not a materialised path: {path!r}")
    clause: ColumnElement[bool] = column.like(path + "%")
    return clause


@dataclass(frozen=True)
class Principal:
    """The caller, with the roots of its scope resolved to materialised paths.

    ``unit_paths`` are subtrees the caller owns (it may write there if its role allows);
    ``history_paths`` are the subtrees of the units that formed them before the 2025 reform
    (readable, so old figures can be shown on today's units); ``context_ids`` are the
    ancestors of every root, readable so that a page can show where a unit sits.
    """

    user_id: int | None
    username: str
    role: str
    is_global: bool = False
    unit_paths: tuple[str, ...] = ()
    history_paths: tuple[str, ...] = ()
    agency_paths: tuple[str, ...] = ()
    context_ids: frozenset[int] = field(default_factory=frozenset)

    def scope_key(self) -> tuple[object, ...]:
        """Return what decides what the caller may read (not who it is): two callers with
        the same key are shown the same answers (web/answers.py keeps them by it)."""
        return (
            self.role,
            self.is_global,
            self.unit_paths,
            self.history_paths,
            self.agency_paths,
            self.context_ids,
        )

    def can(self, permission: str) -> bool:
        """Return True when the role grants the permission."""
        return permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        """Raise Forbidden unless the role grants the permission."""
        if not self.can(permission):
            raise Forbidden(
                f"vai trò {ROLE_LABELS.get(self.role, self.role)} "
                "không được phép thực hiện thao tác này"
            )

    def can_upload(self, what: str) -> bool:
        """Return True when the caller has somewhere to send ``what``: "villages" (a unit it
        may change), "dossiers" or "reports" (a unit or agency whose records it sends). Pages
        offer an upload only to those, rather than refusing the file once it is chosen."""
        if what == "villages":
            return self.can("units.write") and (self.is_global or bool(self.unit_paths))
        if not (self.can("data.write") or self.role == "admin"):
            return False
        return self.is_global or bool(self.unit_paths or self.agency_paths)

    def _unit_subtrees(self, paths: tuple[str, ...]) -> ColumnElement[bool]:
        if not paths:
            return false()
        return or_(*(subtree_of(Unit.path, p) for p in paths))

    def unit_read(self) -> ColumnElement[bool]:
        """Return the clause on Unit for what the caller may read."""
        if self.is_global:
            return true()
        owned = self._unit_subtrees(self.unit_paths + self.history_paths)
        if self.context_ids:
            return or_(owned, Unit.id.in_(sorted(self.context_ids)))
        return owned

    def unit_data_read(self) -> ColumnElement[bool]:
        """Return the clause on Unit whose figures the caller may read: its subtrees, not the
        ancestors it sees only as context (a commune officer does not read the province's)."""
        if self.is_global:
            return true()
        return self._unit_subtrees(self.unit_paths + self.history_paths)

    def unit_write(self) -> ColumnElement[bool]:
        """Return the clause on Unit for what the caller may change."""
        if not self.can("units.write"):
            return false()
        if self.is_global:
            return true()
        return self._unit_subtrees(self.unit_paths)

    def agency_read(self) -> ColumnElement[bool]:
        """Return the clause on Agency for what the caller may read."""
        if self.is_global:
            return true()
        clauses: list[ColumnElement[bool]] = [subtree_of(Agency.path, p) for p in self.agency_paths]
        if self.unit_paths or self.history_paths:
            in_units = select(Unit.id).where(
                self._unit_subtrees(self.unit_paths + self.history_paths)
            )
            clauses.append(Agency.unit_id.in_(in_units))
        return or_(*clauses) if clauses else false()

    def agency_write(self) -> ColumnElement[bool]:
        """Return the clause on Agency for what the caller may change."""
        if not self.can("agencies.write") and not self.can("units.write"):
            return false()
        if self.is_global:
            return true()
        clauses: list[ColumnElement[bool]] = [subtree_of(Agency.path, p) for p in self.agency_paths]
        if self.unit_paths:
            in_units = select(Unit.id).where(self._unit_subtrees(self.unit_paths))
            clauses.append(Agency.unit_id.in_(in_units))
        return or_(*clauses) if clauses else false()

    def agency_data_write(self) -> ColumnElement[bool]:
        """Return the clause on Agency for whose records (dossiers, reports) the caller may send."""
        if not (self.can("data.write") or self.role == "admin"):
            return false()
        if self.is_global:
            return true()
        clauses: list[ColumnElement[bool]] = [subtree_of(Agency.path, p) for p in self.agency_paths]
        if self.unit_paths:
            in_units = select(Unit.id).where(self._unit_subtrees(self.unit_paths))
            clauses.append(Agency.unit_id.in_(in_units))
        return or_(*clauses) if clauses else false()

    def covers_unit_path(self, path: str) -> bool:
        """Return True when a unit with this path lies inside the caller's owned subtrees."""
        return self.is_global or any(path.startswith(p) for p in self.unit_paths)

    def reads_unit_path(self, path: str) -> bool:
        """Return True when the figures of a unit with this path are the caller's to read: its
        own subtrees, and those of the units that formed them before the 2025 reform."""
        return self.covers_unit_path(path) or any(path.startswith(p) for p in self.history_paths)


SYSTEM_PRINCIPAL = Principal(user_id=None, username="system", role="admin", is_global=True)
