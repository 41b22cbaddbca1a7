"""The communes' boundaries for the map: imported from the GeoJSON the province supplies
(checked feature by feature, simplified for the web with GEOS through Shapely), or generated as
a schematic for a province that has none (the demo's), always labelled so on the map."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

from shapely import MultiPoint, Point, Polygon, make_valid, voronoi_polygons
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tinhso.accounts.scope import Principal
from tinhso.db import utcnow
from tinhso.errors import FieldError, Forbidden, InvalidInput
from tinhso.fmt import local_today
from tinhso.ioc.models import Boundary
from tinhso.text import nfc
from tinhso.units import service as units
from tinhso.units.models import Unit

MAX_BYTES = 16 * 1024 * 1024  # parsed, a file takes some 20 times its size in memory
MAX_FEATURES = 20_000
MAX_POINTS = 500_000  # every coordinate of the file, before simplifying
MAX_DEPTH = 12  # nesting of arrays and objects (a MultiPolygon's coordinates are 4 deep)
TOLERANCE = 0.0005  # degrees, about 50 m: enough for a commune on a screen
CODE_KEYS = ("ma_xa", "maxa", "ma", "code", "ma_dvhc", "madvhc", "ma_don_vi")
LON, LAT = (102.0, 110.0), (8.0, 24.0)  # Việt Nam, WGS 84


@dataclass
class BoundaryReport:
    """What an import did: features read, boundaries written."""

    features: int = 0
    written: int = 0
    points_before: int = 0
    points_after: int = 0
    codes: list[str] = field(default_factory=list)


def _depth(data: bytes) -> int:
    """Return how deep arrays and objects nest (strings skipped), without parsing."""
    depth = deepest = 0
    quoted = escaped = False
    for ch in data:
        if quoted:
            if escaped:
                escaped = False
            elif ch == 0x5C:  # backslash
                escaped = True
            elif ch == 0x22:
                quoted = False
        elif ch == 0x22:
            quoted = True
        elif ch in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif ch in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _points(geom: Any) -> int:
    if geom.geom_type == "Polygon":
        return len(geom.exterior.coords) + sum(len(r.coords) for r in geom.interiors)
    return sum(_points(g) for g in getattr(geom, "geoms", []))


def _code(props: dict[str, Any]) -> str:
    folded = {str(k).strip().lower(): v for k, v in props.items()}
    for key in CODE_KEYS:
        if folded.get(key) not in (None, ""):
            value = folded[key]
            return str(int(value)).zfill(5) if isinstance(value, int) else nfc(str(value)).strip()
    return ""


def import_boundaries(
    session: Session, *, principal: Principal, data: bytes, filename: str
) -> BoundaryReport:
    """Check every feature of a GeoJSON FeatureCollection (the unit's code in its properties, a
    valid Polygon or MultiPolygon in WGS 84 inside Việt Nam, a unit of the caller's scope valid
    today) and, when all hold, write each unit's simplified boundary; else write nothing and
    raise InvalidInput naming each feature and reason."""
    if principal.role != "admin":
        raise Forbidden("chỉ quản trị hệ thống được nạp ranh giới đơn vị hành chính")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"tệp lớn hơn {MAX_BYTES // 1024 // 1024} MB: hãy đơn giản hóa ranh giới trước khi nạp"
        )
    # Bounded before parsing: each coordinate pair has one comma inside and one after it.
    if data.count(b",") > 2 * MAX_POINTS + 10 * MAX_FEATURES:
        raise InvalidInput(
            f"tệp có quá {MAX_POINTS:,} điểm tọa độ: hãy đơn giản hóa trước".replace(",", ".")
        )
    if _depth(data) > MAX_DEPTH:
        raise InvalidInput("tệp lồng nhau quá sâu: không phải GeoJSON ranh giới")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInput(
            f"tệp không phải GeoJSON (JSON UTF-8) hợp lệ: {exc.__class__.__name__}"
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("tệp phải là một GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput("tệp không có đối tượng nào (features)")
    if len(features) > MAX_FEATURES:
        raise InvalidInput(f"tệp có quá {MAX_FEATURES:,} đối tượng".replace(",", "."))
    today = local_today()
    errors: list[FieldError] = []
    report = BoundaryReport(features=len(features))
    found: dict[int, Any] = {}
    seen: dict[str, int] = {}
    for i, feat in enumerate(features, start=1):
        n = len(errors)

        def err(name: str, reason: str, value: str | None = None, row: int = i) -> None:
            errors.append(FieldError(name, reason, row=row, value=value))

        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            err("type", "không phải một Feature")
            continue
        code = _code(feat.get("properties") or {})
        if not code:
            err("properties", "thiếu mã đơn vị (một trong: " + ", ".join(CODE_KEYS) + ")")
        elif code in seen:
            err("properties", f"mã '{code}' đã có ở đối tượng {seen[code]}", code)
        seen.setdefault(code, i)
        try:
            geom = shape(feat.get("geometry") or {})
        except (ValueError, TypeError, AttributeError, KeyError):
            err("geometry", "hình học không đọc được")
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            err("geometry", f"phải là Polygon hoặc MultiPolygon, không phải {geom.geom_type}")
            continue
        report.points_before += _points(geom)
        if report.points_before > MAX_POINTS:
            raise InvalidInput(
                f"tệp có quá {MAX_POINTS:,} điểm tọa độ: hãy đơn giản hóa trước".replace(",", ".")
            )
        x0, y0, x1, y1 = geom.bounds
        if not (LON[0] <= x0 and x1 <= LON[1] and LAT[0] <= y0 and y1 <= LAT[1]):
            err(
                "geometry",
                "tọa độ ngoài lãnh thổ Việt Nam (kinh độ 102–110, vĩ độ 8–24): tệp phải dùng "
                "WGS 84 (EPSG:4326), chưa chuyển từ VN-2000?",
            )
            continue
        if not geom.is_valid:
            why = explain_validity(geom).split("[")[0].strip()
            err("geometry", f"hình học không hợp lệ ({_why(why)})")
            continue
        unit = None
        if code:
            try:
                unit = units.find_data_unit(session, principal=principal, code=code, on=today)
            except Exception:
                err(
                    "properties",
                    "không có đơn vị mã này còn hiệu lực trong phạm vi được phân quyền",
                    code,
                )
        if len(errors) == n and unit is not None:
            found[unit.id] = geom
            report.codes.append(code)
    if errors:
        raise InvalidInput(f"tệp có {len(errors)} lỗi; chưa ghi ranh giới nào", errors)
    now = utcnow()
    for uid, geom in found.items():
        simple = geom.simplify(TOLERANCE, preserve_topology=True)
        if not simple.is_valid:
            simple = make_valid(simple)
        report.points_after += _points(simple)
        _write(session, uid, json.dumps(mapping(simple)), "imported", filename[:200], now)
    report.written = len(found)
    session.flush()
    return report


def _why(reason: str) -> str:
    words = {
        "Self-intersection": "đường biên tự cắt",
        "Ring Self-intersection": "vòng biên tự cắt",
        "Too few points": "quá ít điểm",
        "Hole lies outside shell": "lỗ nằm ngoài biên",
        "Nested shells": "các biên lồng nhau",
        "Interior is disconnected": "phần trong bị tách rời",
    }
    return words.get(reason, "hình học sai cấu trúc")


def _write(session: Session, unit_id: int, geometry: str, source: str, name: str, now: Any) -> None:
    row = session.scalars(select(Boundary).where(Boundary.unit_id == unit_id)).first()
    if row is None:
        row = Boundary(unit_id=unit_id)
        session.add(row)
    row.geometry, row.source, row.filename, row.imported_at = geometry, source, name, now


def schematic(session: Session, *, province: Unit, seed: int = 7) -> int:
    """Generate a schematic map of the province's communes valid today (cells around scattered
    points in an oval, not their true shapes) for those without an imported boundary; return
    how many were written. The map says it is schematic."""
    today = local_today()
    communes = units.units_below(session, unit=province, level="commune", on=today)
    imported = set(
        session.scalars(
            select(Boundary.unit_id).where(
                Boundary.unit_id.in_([c.id for c in communes]), Boundary.source == "imported"
            )
        )
    )
    todo = [c for c in communes if c.id not in imported]
    if not todo:
        return 0
    rng = random.Random(seed)
    cx, cy, rx, ry = 103.4, 22.3, 0.55, 0.42  # an oval about the size of a northern province
    oval = Polygon(
        [
            (cx + rx * math.cos(t / 36 * math.tau), cy + ry * math.sin(t / 36 * math.tau))
            for t in range(36)
        ]
    )
    pts: list[Point] = []
    while len(pts) < len(todo):
        p = Point(cx + rng.uniform(-rx, rx), cy + rng.uniform(-ry, ry))
        if oval.contains(p):
            pts.append(p)
    cells = voronoi_polygons(MultiPoint(pts), extend_to=oval.buffer(0.1))
    by_point = {}
    for cell in cells.geoms:
        for k, p in enumerate(pts):
            if k not in by_point and cell.contains(p):
                by_point[k] = cell.intersection(oval)
                break
    session.execute(
        delete(Boundary).where(
            Boundary.unit_id.in_([c.id for c in todo]), Boundary.source == "schematic"
        )
    )
    now = utcnow()
    order = sorted(todo, key=lambda c: c.code)
    for k, c in enumerate(order):
        geom = by_point.get(k)
        if geom is not None and not geom.is_empty:
            _write(session, c.id, json.dumps(mapping(geom.simplify(0.002))), "schematic", "", now)
    session.flush()
    return len(order)


def feature_collection(session: Session, *, province: Unit) -> dict[str, Any]:
    """Return the province's communes valid today with a boundary, as GeoJSON (each feature's
    ``code`` and ``name``), and whether any of it is schematic."""
    communes = {
        c.id: c
        for c in units.units_below(session, unit=province, level="commune", on=local_today())
    }
    rows = (
        list(session.scalars(select(Boundary).where(Boundary.unit_id.in_(list(communes)))))
        if communes
        else []
    )
    return {
        "type": "FeatureCollection",
        "schematic": any(b.source == "schematic" for b in rows),
        "features": [
            {
                "type": "Feature",
                "properties": {"code": communes[b.unit_id].code, "name": communes[b.unit_id].name},
                "geometry": json.loads(b.geometry),
            }
            for b in sorted(rows, key=lambda b: communes[b.unit_id].code)
        ],
    }


def coverage(session: Session, *, province: Unit) -> tuple[int, bool]:
    """Return how many of the province's communes valid today have a boundary, and whether
    any of those is schematic."""
    ids = [
        c.id for c in units.units_below(session, unit=province, level="commune", on=local_today())
    ]
    if not ids:
        return 0, False
    sources = list(session.scalars(select(Boundary.source).where(Boundary.unit_id.in_(ids))))
    return len(sources), "schematic" in sources
