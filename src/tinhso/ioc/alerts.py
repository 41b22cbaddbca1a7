"""The operations centre's alerts: rules kept in the catalog (``catalog/ioc/alerts.yaml``) —
a tile beyond a threshold, or a domain's alert source — evaluated when data changes; each alert
one row while it lasts (opened, acknowledged with a comment, resolved when its condition no
longer holds, reopened if it comes back), every step in its history and audited."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tinhso import tiles
from tinhso.accounts.scope import SYSTEM_PRINCIPAL, Principal
from tinhso.db import utcnow
from tinhso.errors import AppError, FieldError, Forbidden, InvalidInput, NotFound
from tinhso.fmt import local_today, vn_number
from tinhso.ioc.models import ALERT_STATES, EVENT_KINDS, Alert, AlertEvent
from tinhso.lake import Lake
from tinhso.services.catalog import CATALOG_DIR
from tinhso.services.periods import parse_period
from tinhso.tiles import AlertFound, TileQuery
from tinhso.units import service as units
from tinhso.units.models import Agency, Unit

RULES_FILE = CATALOG_DIR / "ioc" / "alerts.yaml"
log = logging.getLogger("tinhso.ioc")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
SEVERITIES = {"warning": "Cảnh báo", "critical": "Nghiêm trọng"}
LEVELS = ("province", "commune", "agency")


@dataclass(frozen=True)
class Rule:
    """One alert rule of the catalog."""

    code: str
    name: str
    severity: str = "warning"
    tile: str = ""
    below: float | None = None
    above: float | None = None
    levels: tuple[str, ...] = ()
    source: str = ""
    params: dict[str, Any] = field(default_factory=dict)


class RulesError(InvalidInput):
    """The rules file is not valid: every problem is named."""


def read_rules(path: Path | None = None) -> list[Rule]:
    """Read and check the rules (every problem at once, in Vietnamese)."""
    path = path or RULES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(
            f"không đọc được tệp quy tắc cảnh báo {path.name}: {exc.__class__.__name__}"
        ) from None
    items = raw.get("rules") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise RulesError(f"tệp quy tắc cảnh báo {path.name}: cần danh sách 'rules'")
    every = tiles.all_tiles()
    sources = tiles.alert_sources()
    errors: list[FieldError] = []
    out: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(items, start=1):
        n = len(errors)

        def err(name: str, reason: str, value: Any = None, row: int = i) -> None:
            errors.append(
                FieldError(name, reason, row=row, value=None if value is None else str(value))
            )

        if not isinstance(item, dict):
            err("rule", "mỗi quy tắc là một bảng khóa: giá trị")
            continue
        unknown = set(item) - {
            "code",
            "name",
            "severity",
            "tile",
            "below",
            "above",
            "levels",
            "source",
            "params",
        }
        if unknown:
            err("rule", "khóa không hợp lệ: " + ", ".join(sorted(unknown)))
        code = str(item.get("code", ""))
        if not CODE_RE.match(code):
            err("code", "mã chỉ gồm chữ thường, số, gạch nối", code)
        elif code in seen:
            err("code", "mã trùng", code)
        seen.add(code)
        if not str(item.get("name", "")).strip():
            err("name", "cần tên quy tắc")
        severity = str(item.get("severity", "warning"))
        if severity not in SEVERITIES:
            err("severity", "chọn warning hoặc critical", severity)
        tile, source = str(item.get("tile", "")), str(item.get("source", ""))
        below, above = item.get("below"), item.get("above")
        levels = tuple(item.get("levels") or ())
        if bool(tile) == bool(source):
            err(
                "rule",
                "cần đúng một trong 'tile' (ô số liệu và ngưỡng) hoặc 'source' (nguồn cảnh báo)",
            )
        elif tile:
            if tile not in every:
                err("tile", "không có ô số liệu này", tile)
            if (below is None) == (above is None):
                err("below", "ô số liệu cần đúng một ngưỡng: 'below' hoặc 'above'")
            for k, v in (("below", below), ("above", above)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                    err(k, "phải là số", v)
            bad = [lv for lv in levels if lv not in LEVELS]
            if bad:
                err(
                    "levels",
                    "cấp không hợp lệ (province, commune, agency)",
                    ", ".join(map(str, bad)),
                )
        elif source not in sources:
            err(
                "source", "không có nguồn cảnh báo này (" + ", ".join(sorted(sources)) + ")", source
            )
        if len(errors) == n:
            out.append(
                Rule(
                    code=code,
                    name=str(item["name"]).strip(),
                    severity=severity,
                    tile=tile,
                    below=None if below is None else float(below),
                    above=None if above is None else float(above),
                    levels=levels or (every[tile].levels if tile else ()),
                    source=source,
                    params=dict(item.get("params") or {}),
                )
            )
    if errors:
        raise RulesError(f"tệp quy tắc cảnh báo {path.name} có {len(errors)} lỗi", errors)
    return out


def _tile_alerts(
    session: Session, lake: Lake, rule: Rule, province: Any, today: date
) -> list[AlertFound]:
    from tinhso.ioc import service as ioc

    tile = tiles.all_tiles()[rule.tile]
    period = ioc.shown_period(tile, parse_period(ioc.default_period(today)), today)
    names: dict[int, tuple[str, str]] = {}
    if "province" in rule.levels:
        names[province.id] = (province.name, f"unit={province.code}")
    if "commune" in rule.levels:
        for u in units.units_below(session, unit=province, level="commune", on=today):
            names[u.id] = (u.name, f"unit={u.code}")
    if "agency" in rule.levels:
        for a in units.agencies_of(session, principal=SYSTEM_PRINCIPAL, unit=province):
            names[-a.id] = (a.name, f"agency={a.code}")
    got = tile.values(TileQuery(lake, period, today, frozenset(names)))
    out = []
    for org, v in got.items():
        if v is None or org not in names:
            continue
        beyond = (rule.below is not None and v < rule.below) or (
            rule.above is not None and v > rule.above
        )
        if not beyond:
            continue
        limit = rule.below if rule.below is not None else rule.above
        word = "dưới" if rule.below is not None else "trên"
        measure = f" {tile.measure}" if tile.measure else ""
        name, q = names[org]
        out.append(
            AlertFound(
                key=f"{org}:{period.code}",
                org=org,
                text=f"{name}: {tile.name[:1].lower()}{tile.name[1:]} {vn_number(v, tile.decimals)}{measure}, {word} "
                f"ngưỡng {vn_number(limit or 0, tile.decimals)}{measure} ({period.label})",
                url=f"/?{q}&period={period.code}",
                severity=rule.severity,
            )
        )
    return out


_LOCK = threading.Lock()
_LAST: dict[int, tuple[object, datetime]] = {}


def evaluate(session: Session, lake: Lake, *, province_code: str) -> dict[str, int]:
    """Evaluate every rule now for the province and bring the alerts up to date: new ones open,
    those found again stay (text and last seen updated), those no longer found are resolved,
    resolved ones found again reopen. Returns how many opened, resolved, reopened, kept."""
    today = local_today()
    province = next(
        (
            u
            for u in units.units_with_code(session, code=province_code, on=today)
            if u.level == "province"
        ),
        None,
    )
    if province is None:
        raise NotFound(f"không có tỉnh mã '{province_code}' còn hiệu lực")
    found: dict[tuple[str, str], AlertFound] = {}
    sources = tiles.alert_sources()
    for rule in read_rules():
        if rule.tile:
            got = _tile_alerts(session, lake, rule, province, today)
        else:
            params = {**rule.params, "province": province.id}
            got = [
                AlertFound(
                    a.key,
                    a.org,
                    a.text,
                    a.url,
                    rule.severity if rule.severity != "warning" else a.severity,
                )
                for a in sources[rule.source].find(session, lake, today, params)
            ]
        for a in got:
            found[(rule.code, a.key[:200])] = a
    now = utcnow()
    counts = {"opened": 0, "resolved": 0, "reopened": 0, "kept": 0}
    # What still holds, and the resolved ones found again (not every alert ever written).
    held = {
        (a.rule, a.key): a for a in session.scalars(select(Alert).where(Alert.state != "resolved"))
    }
    keys = sorted({k for _r, k in found})
    for i in range(0, len(keys), 500):
        for old in session.scalars(
            select(Alert).where(Alert.state == "resolved", Alert.key.in_(keys[i : i + 500]))
        ):
            held[(old.rule, old.key)] = old
    for (rule_code, key), a in found.items():
        row = held.get((rule_code, key))
        if row is None:
            row = Alert(
                rule=rule_code,
                key=key,
                org=a.org,
                severity=a.severity,
                text=a.text[:500],
                url=a.url[:300],
                first_seen=now,
                last_seen=now,
                state="open",
            )
            session.add(row)
            session.flush()
            session.add(AlertEvent(alert_id=row.id, at=now, kind="opened"))
            counts["opened"] += 1
        elif row.state == "resolved":
            # Conditional: another process reopening it at the same moment writes the step once.
            if _move(session, row, "resolved", "open", now):
                session.add(AlertEvent(alert_id=row.id, at=now, kind="reopened"))
                counts["reopened"] += 1
        else:
            counts["kept"] += 1
        fresh = (a.org, a.severity, a.text[:500], a.url[:300])
        if (row.org, row.severity, row.text, row.url) != fresh:
            # Written only when it says something new: an evaluation that rewrote every row
            # would itself be a change (audited), and move the data version it follows.
            row.org, row.severity, row.text, row.url = fresh
            row.last_seen = now
    for (rule_code, key), row in held.items():
        if (
            (rule_code, key) not in found
            and row.state != "resolved"
            and _move(session, row, row.state, "resolved", now)
        ):
            session.add(AlertEvent(alert_id=row.id, at=now, kind="resolved"))
            counts["resolved"] += 1
    session.flush()
    return counts


def _move(session: Session, row: Alert, was: str, to: str, now: datetime) -> bool:
    """Move an alert from state ``was`` to ``to`` unless another process already did; return
    whether this call moved it."""
    done = session.execute(
        update(Alert)
        .where(Alert.id == row.id, Alert.state == was)
        .values(state=to, resolved_at=now if to == "resolved" else None, last_seen=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return bool(getattr(done, "rowcount", 0))


def maybe_evaluate(lake: Lake, *, province_code: str, version: object) -> bool:
    """Evaluate, in a session of its own, when what the alerts are worked out from changed
    since the last evaluation in this process (or a minute passed: time alone makes a report
    overdue). Another process evaluating at the same moment is no error. Returns whether it
    ran."""
    with _LOCK:
        last = _LAST.get(id(lake))
        now = utcnow()
        if last is not None and last[0] == version and (now - last[1]).total_seconds() < 60:
            return False
        _LAST[id(lake)] = (version, now)
    try:
        with lake.db.session() as session:
            evaluate(session, lake, province_code=province_code)
            session.commit()
    except (AppError, OperationalError) as exc:
        # A rule file with a mistake, a busy database: the alerts stay as they were, the page
        # that asked still opens; the cause is logged (and the rules are named on /alerts).
        log.warning("alerts not evaluated: %s", exc)
        return False
    except IntegrityError as exc:  # the same alert opened by another process: it holds it
        text = str(exc.orig)
        if "uq_ioc_alert_key" not in text and "ioc_alert.rule" not in text:
            raise
        with _LOCK:
            _LAST.pop(id(lake), None)
        return False
    return True


def own_orgs(session: Session, principal: Principal, orgs: Any) -> set[int]:
    """Return the organisations of ``orgs`` within the caller's own scope (its units and their
    subtrees, its agencies and those of its units): an alert is its, not a department's that
    the organisation reports to."""
    ids = list(orgs)
    unit_ids = [o for o in ids if o > 0]
    agency_ids = [-o for o in ids if o < 0]
    out: set[int] = set()
    for i in range(0, len(unit_ids), 500):
        chunk = unit_ids[i : i + 500]
        out |= set(
            session.scalars(select(Unit.id).where(principal.unit_data_read(), Unit.id.in_(chunk)))
        )
    for i in range(0, len(agency_ids), 500):
        chunk = agency_ids[i : i + 500]
        out |= {
            -a
            for a in session.scalars(
                select(Agency.id).where(principal.agency_read(), Agency.id.in_(chunk))
            )
        }
    return out


SHOWN = 500  # alerts listed at most (the newest): resolved ones accumulate


def visible(
    session: Session, principal: Principal, *, state: str = "", org: int | None = None
) -> list[Alert]:
    """Return the alerts of the organisations in the caller's own scope (newest first, at most
    ``SHOWN``), of a state (open and acknowledged by default: those that still hold), for one
    organisation or all."""
    principal.require("read")
    stmt = select(Alert)
    if state:
        if state not in ALERT_STATES:
            raise InvalidInput(
                f"trạng thái '{state}' không hợp lệ",
                [FieldError("state", "chọn open, acknowledged hoặc resolved", value=state)],
            )
        stmt = stmt.where(Alert.state == state)
    else:
        stmt = stmt.where(Alert.state != "resolved")
    if org is not None:
        stmt = stmt.where(Alert.org == org)
    rows = list(session.scalars(stmt.order_by(Alert.last_seen.desc(), Alert.id.desc())))
    mine = own_orgs(session, principal, {a.org for a in rows})
    return [a for a in rows if a.org in mine][:SHOWN]


def get(session: Session, principal: Principal, alert_id: int) -> Alert:
    """Return one alert of the caller's own scope; NotFound otherwise (outside it alike)."""
    row = session.get(Alert, alert_id)
    if row is None or row.org not in own_orgs(session, principal, [row.org]):
        raise NotFound(f"không có cảnh báo số {alert_id} trong phạm vi được xem")
    return row


def history(session: Session, alert: Alert) -> list[AlertEvent]:
    """Return the alert's steps, oldest first."""
    return list(
        session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
        )
    )


def acknowledge(session: Session, principal: Principal, alert_id: int, comment: str) -> Alert:
    """Record that a person took the alert in hand, with a comment (required)."""
    if principal.role == "viewer":
        raise Forbidden("vai trò Người xem không tiếp nhận cảnh báo")
    row = get(session, principal, alert_id)
    text = (comment or "").strip()
    if not text:
        raise InvalidInput(
            "cần ghi chú khi tiếp nhận", [FieldError("comment", "không được để trống")]
        )
    if len(text) > 2000:
        raise InvalidInput("ghi chú quá dài", [FieldError("comment", "tối đa 2.000 ký tự")])
    kind = "acknowledged" if row.state == "open" else "comment"
    if row.state == "open":
        row.state = "acknowledged"
    session.add(
        AlertEvent(alert_id=row.id, at=utcnow(), kind=kind, actor=principal.username, comment=text)
    )
    session.flush()
    return row


def as_json(a: Alert, steps: list[AlertEvent] | None = None) -> dict[str, Any]:
    """Return an alert as plain data (the API's shape)."""
    out: dict[str, Any] = {
        "id": a.id,
        "rule": a.rule,
        "severity": a.severity,
        "severity_label": SEVERITIES.get(a.severity, a.severity),
        "text": a.text,
        "url": a.url or None,
        "state": a.state,
        "state_label": ALERT_STATES[a.state],
        "first_seen": a.first_seen.isoformat(),
        "last_seen": a.last_seen.isoformat(),
        "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
    }
    if steps is not None:
        out["history"] = [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "label": EVENT_KINDS[e.kind],
                "actor": e.actor or None,
                "comment": e.comment or None,
            }
            for e in steps
        ]
    return out
