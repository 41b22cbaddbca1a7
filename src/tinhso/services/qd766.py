"""The 766 index computed in DuckDB over the analytics copy, per agency, commune and province.

One scan folds the dossiers into a month histogram per (agency, commune, province) of
reception — the commune and province valid on the reception day — and the year's periods
follow from it (``qd766_src``). A period is then shown on the units valid on a reference day
(its last day by default): each reception unit counts, through the lineage bridge
(``units/bridge.py``), for the unit it is or became, so a period spanning 2025-07-01 shows on
today's units with both halves, a commune split in two is flagged partial, and an old unit
still answers for its own time. The index, its explanations, the late dossiers, the rankings
and the DTI all read the same bridge. Scores, shares and ranks are worked out from the counts.
"""

from __future__ import annotations

import bisect
import hashlib
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
from sqlalchemy import Connection

from tinhso.duck import load_rows
from tinhso.flight import SingleFlight
from tinhso.lake import Lake
from tinhso.services.catalog import Catalog, Indicator
from tinhso.services.periods import LOCAL, Period, periods_of_year
from tinhso.units.bridge import Lineage

UNIT_KINDS = ("agency", "commune", "province")

PAIRS_SQL = """
WITH periods AS (SELECT * FROM {periods}),
bounds AS (SELECT min(start_ts) AS y0, max(end_ts) AS y1 FROM {periods}),
base AS (
    SELECT d.*, p.online_mode, p.fee_bearing, p.issues_result, p.for_citizens,
        -- The months (0–11) of the year the dossier is alive in, from submission to its end.
        month(greatest(d.sub_at, bounds.y0)) - 1 AS m1,
        month(least(coalesce(d.end_at, TIMESTAMPTZ 'infinity'), bounds.y1)) - 1 AS m2
    FROM dossier d JOIN procedure p ON p.id = d.procedure_id CROSS JOIN bounds
    WHERE d.sub_at <= bounds.y1 AND coalesce(d.end_at, TIMESTAMPTZ 'infinity') >= bounds.y0
    {and_where}
),
-- Every period a dossier touches, by arithmetic rather than a range join: months m1..m2,
-- the quarters and halves they fall in, and the year (period numbers as in qd766_period).
touched AS (
    SELECT b.*, unnest(list_concat(range(m1, m2 + 1), range(12 + m1 // 3, 13 + m2 // 3),
                                   range(16 + m1 // 6, 17 + m2 // 6), [18])) AS pno
    FROM base b
)
SELECT b.*, P.code AS period, P.start_ts, P.end_ts, P.last_day, P.epoch,
    b.sub_at BETWEEN P.start_ts AND P.end_ts AS in_submitted,
    b.counted AND b.received_at BETWEEN P.start_ts AND P.end_ts AS in_received,
    b.counted AND b.received_at <= P.end_ts
        AND coalesce(b.end_at, TIMESTAMPTZ 'infinity') >= P.start_ts AS in_processed,
    b.counted AND b.done_at BETWEEN P.start_ts AND P.end_ts AS in_finished,
    -- An open dossier is judged at the period's end, or now for a period still running.
    NOT (least(coalesce(b.end_at, TIMESTAMPTZ 'infinity'), P.end_ts, get_current_timestamp()) > b.due_at
         OR b.supplement_count > 1) AS on_time
FROM touched b JOIN periods P ON P.pno = b.pno
"""


MEMBER_COLUMNS = {"agency": "agency_id", "commune": "unit_id", "province": "province_id"}


def compute(lake: Lake, catalog: Catalog, year: int, *, dossier_filter: str = "") -> int:
    """Recompute every indicator count of ``year``; return the rows of ``qd766_count`` (every
    unit and period, each period on the units valid on its last day).

    ``dossier_filter`` restricts the dossiers (a SQL condition on ``d``), for explanations.
    """
    with lake.lock:
        con = lake.cursor()
        periods = periods_of_year(year)
        _periods(lake, con, periods, "qd766_period")
        _dossier_counts(con, catalog, year, dossier_filter)
        _procedure_flags(con, year)
        views = "SELECT code AS period, epoch FROM qd766_period"
        con.execute(f"CREATE OR REPLACE TABLE qd766_count AS {_mapped_sql(catalog, views)}")
        con.execute("DELETE FROM lake_state WHERE key LIKE 'qd766_%' AND key <> 'qd766_bridge'")
        con.execute("INSERT INTO lake_state VALUES ('qd766_year', ?)", [year])
        con.execute("INSERT INTO lake_state VALUES ('qd766_hour', ?)", [freshness(year)])
        con.execute(
            "INSERT INTO lake_state SELECT 'qd766_seq', value FROM lake_state WHERE key = 'dossier_seq'"
        )
        lake.states_changed()
        n = con.execute("SELECT count(*) FROM qd766_count").fetchone()
        return int(n[0]) if n else 0


# The lineage of the copy's units, with the days on which the set of valid units changes,
# kept while the units do not change (``units_fp``).
_LINEAGE: weakref.WeakKeyDictionary[Lake, tuple[int, Lineage, list[date]]] = (
    weakref.WeakKeyDictionary()
)


def _lineage(lake: Lake) -> tuple[int, Lineage, list[date]]:
    fp = lake.units_fp
    held = _LINEAGE.get(lake)
    if held is None or held[0] != fp:
        lin = lake.lineage()
        held = (fp, lin, lin.boundaries())
        _LINEAGE[lake] = held
    return held


def epoch(lake: Lake, day: date) -> date:
    """Return the first day of the span that shares ``day``'s bridge (the units valid on it)."""
    _fp, _lin, starts = _lineage(lake)
    return starts[bisect.bisect_right(starts, day) - 1]


def _bridge(lake: Lake, con: duckdb.DuckDBPyConnection, epochs: set[date]) -> None:
    """Add the bridge of each epoch not yet in ``qd766_bridge``: (epoch, level, unit, unit it
    counts for, partial) for every province and commune; rebuilt when the units change."""
    fp, lin, _starts = _lineage(lake)
    if lake.state("qd766_bridge") != fp:
        con.execute(
            "CREATE OR REPLACE TABLE qd766_bridge "
            "(epoch DATE, level VARCHAR, src BIGINT, tgt BIGINT, part BOOLEAN)"
        )
        lake.set_state("qd766_bridge", fp)
    have = {r[0] for r in con.execute("SELECT DISTINCT epoch FROM qd766_bridge").fetchall()}
    for start in sorted(epochs - have):
        load_rows(
            con,
            "qd766_bridge_new",
            [("level", "VARCHAR"), ("src", "BIGINT"), ("tgt", "BIGINT"), ("part", "BOOLEAN")],
            lin.same_level_pairs(start),
        )
        con.execute("INSERT INTO qd766_bridge SELECT ?, * FROM qd766_bridge_new", [start])
        con.execute("DROP TABLE qd766_bridge_new")


def _periods(lake: Lake, con: duckdb.DuckDBPyConnection, periods: list[Period], table: str) -> None:
    """Lay out the periods of a year (with the epoch of each one's last day) in ``table``."""
    con.execute(
        f"CREATE OR REPLACE TABLE {table} (pno INTEGER, code VARCHAR, kind VARCHAR, "
        "start_ts TIMESTAMPTZ, end_ts TIMESTAMPTZ, m_from INTEGER, m_to INTEGER, last_day DATE, "
        "epoch DATE)"
    )
    rows = [
        (
            i,
            p.code,
            p.kind,
            p.start,
            p.end,
            p.first.month - 1,
            p.last.month - 1,
            p.last,
            epoch(lake, p.last),
        )
        for i, p in enumerate(periods)
    ]
    # One statement: DuckDB's executemany runs a statement per row (~20 ms each).
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
    con.execute(f"INSERT INTO {table} VALUES {values}", [v for r in rows for v in r])
    _bridge(lake, con, {r[-1] for r in rows})


# The dossier counts are worked out in two steps. First one scan of the copy folds the
# dossiers into a small histogram: per agency, commune and province, and per month (within
# the year, -1 before it, 12 after it) of submission, reception, completion and end, how many
# dossiers meet each indicator's conditions. Every period of the year is a range of months, so
# each period's counts then follow from the histogram alone (a few thousand rows, not millions).
# "Đúng hạn" (on_time) of a dossier still open at a period's end depends on that end: the scan
# keeps the month from which it is late (late_b) and counts each on_time-dependent condition
# three times, as if on_time were true, false or unknown; the period step picks the right one.
HIST_SQL = """
CREATE OR REPLACE TABLE qd766_hist AS
WITH base AS (
    SELECT d.*, p.online_mode, p.fee_bearing, p.issues_result, p.for_citizens,
        greatest(least(d.sub_m - {m0}, 12), -1) AS sub_b,
        greatest(least(d.rec_m - {m0}, 12), -1) AS r_b,
        greatest(least(d.done_m - {m0}, 12), -1) AS done_b,
        greatest(least(coalesce(d.end_m - {m0}, 12), 12), -1) AS e_b,
        -- An open dossier is late at the end of month b from b = late_b on (-1: always late;
        -- 12: not late by now); NULL when it has no due time (on_time unknown).
        CASE WHEN d.supplement_count > 1 THEN -1 WHEN d.due_at IS NULL THEN NULL
             WHEN {now} > d.due_at THEN greatest(least(d.due_m - {m0}, 12), -1)
             ELSE 12 END AS late_b,
        -- on_time of a dossier that ended by the period's end: judged at its own end.
        NOT (least(coalesce(d.end_at, TIMESTAMPTZ 'infinity'), {now}) > d.due_at
             OR d.supplement_count > 1) AS ended_ok
    FROM dossier d JOIN procedure p ON p.id = d.procedure_id
    WHERE d.sub_m <= {m0} + 11 AND coalesce(d.end_m, {m0} + 12) >= {m0} {and_where}
)
SELECT agency_id, unit_id, province_id, counted, sub_b, r_b, done_b, e_b, late_b, ended_ok,
    {aggregates}
FROM base GROUP BY ALL
"""
MEMBERS = {
    "submitted": "h.sub_b >= P.m_from",
    "received": "h.counted AND h.r_b BETWEEN P.m_from AND P.m_to",
    "processed": "h.counted AND h.r_b <= P.m_to",
    "finished": "h.counted AND h.done_b BETWEEN P.m_from AND P.m_to",
}
ON_TIME = {"T": "TRUE", "F": "FALSE", "N": "NULL"}
# Which of the three counts applies to a histogram row in a period.
PICK = """CASE WHEN h.e_b <= P.m_to THEN (CASE WHEN h.ended_ok THEN {T} WHEN NOT h.ended_ok THEN {F} ELSE {N} END)
    WHEN h.late_b IS NULL THEN {N} WHEN P.m_to < h.late_b THEN {T} ELSE {F} END"""


class _Aggregates:
    """The distinct aggregates of the histogram scan, named c0, c1, … (shared where equal)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def add(self, sql: str) -> str:
        return self.names.setdefault(sql, f"c{len(self.names)}")

    def column(self, ind: Indicator, kind: str) -> str:
        """Return the period-step expression of an indicator's denominator or numerator sum."""
        variants = ON_TIME if ind.uses("on_time") else {"T": "TRUE"}
        picked: dict[str, str] = {}
        for key, value in variants.items():
            bind = {"on_time": value}
            den = ind.sql("denominator", bind)
            if kind == "d":
                sql = f"count_if({den})"
            elif ind.kind == "average":
                sql = f"sum({ind.sql('value', bind)}) FILTER (WHERE {den})"
            else:
                sql = f"count_if(({den}) AND ({ind.sql('numerator', bind)}))"
            picked[key] = "h." + self.add(sql)
        if len(picked) == 1:
            return picked["T"]
        return "(" + PICK.format(**picked) + ")"


def _dossier_columns(catalog: Catalog) -> list[str]:
    """Return the column names of the dossier counts: ``n|<id>`` and ``d|<id>`` per indicator."""
    out = []
    for ind in catalog.indicators:
        if ind.kind != "complement" and ind.population != "procedures":
            out += [f"n|{ind.id}", f"d|{ind.id}"]
    return out


def _dossier_counts(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, year: int, dossier_filter: str
) -> None:
    aggs = _Aggregates()
    cols = []
    for ind in catalog.indicators:
        if ind.kind == "complement" or ind.population == "procedures":
            continue
        member = MEMBERS[ind.population]
        num = f"sum(CASE WHEN {member} THEN {aggs.column(ind, 'n')} END)"
        den = f"sum(CASE WHEN {member} THEN {aggs.column(ind, 'd')} END)"
        if ind.kind != "average":
            num = f"coalesce({num}, 0)"
        cols.append(f'{num} AS "n|{ind.id}"')
        cols.append(f'coalesce({den}, 0) AS "d|{ind.id}"')
    con.execute(
        HIST_SQL.format(
            m0=year * 12,
            now="get_current_timestamp()",
            and_where=f"AND {dossier_filter}" if dossier_filter else "",
            aggregates=", ".join(f"{sql} AS {name}" for sql, name in aggs.names.items()),
        )
    )
    # Counts are sums: aggregated once per period and reception unit (agency, commune and
    # province valid on the reception day), a small table that every view maps and sums.
    con.execute(
        f"""CREATE OR REPLACE TABLE qd766_src AS
        SELECT P.code AS period, h.agency_id, h.unit_id, h.province_id, {", ".join(cols)}
        FROM qd766_hist h JOIN qd766_period P ON h.sub_b <= P.m_to AND h.e_b >= P.m_from
        GROUP BY ALL"""
    )


def _procedure_flags(con: duckdb.DuckDBPyConnection, year: int) -> None:
    # "Received in the period": fold the dossiers by month of reception first (one scan, no
    # calendar work: rec_m is kept in the copy), then spread the months over the periods.
    con.execute(
        f"""CREATE OR REPLACE TABLE qd766_psrc AS
        WITH m AS (
            SELECT procedure_id, agency_id, unit_id, province_id, rec_m - {year * 12} AS mb,
                bool_or(channel = 2) AS online, bool_or(payment_flag IN (1, 2)) AS paid
            FROM dossier
            WHERE counted AND rec_m BETWEEN {year * 12} AND {year * 12 + 11}
            GROUP BY ALL
        )
        SELECT P.code AS period, procedure_id, agency_id, unit_id, province_id,
            bool_or(online) AS online, bool_or(paid) AS paid
        FROM m JOIN qd766_period P ON m.mb BETWEEN P.m_from AND P.m_to
        GROUP BY ALL"""
    )


# A view is a (period, epoch) pair: the period's figures on the units valid on a reference day,
# the epoch being the first day of the span of days that share that day's bridge. Each
# reception unit's rows are carried to the units the bridge maps it onto, then summed.
_CARRY = """
    SELECT f.period, f.epoch, 'agency' AS unit_kind, f.agency_id AS unit_id, FALSE AS part, {cols}
    FROM f
    UNION ALL
    SELECT f.period, f.epoch, 'commune', b.tgt, b.part, {cols}
    FROM f JOIN qd766_bridge b ON b.epoch = f.epoch AND b.level = 'commune' AND b.src = f.unit_id
    UNION ALL
    SELECT f.period, f.epoch, 'province', b.tgt, b.part, {cols}
    FROM f JOIN qd766_bridge b ON b.epoch = f.epoch AND b.level = 'province' AND b.src = f.province_id
"""
# The procedures in each unit's remit, with what its dossiers of the period say about each:
# an agency's own (all commune-level ones for a UBND xã), the commune-level ones for a commune,
# all of them for a province — for the units that have dossiers in the period: a unit with none
# has no index then (a catalogue share alone would rank it first among the units that work).
PROCEDURE_FRAME_SQL = """
WITH v AS ({views}),
f AS (SELECT v.epoch, s.* FROM qd766_psrc s JOIN v ON v.period = s.period),
m AS ({carry}),
flags AS (
    SELECT period, epoch, unit_kind, unit_id, procedure_id, bool_or(online) AS has_online_dossier,
        bool_or(paid) AS has_online_payment, bool_or(part) AS part
    FROM m GROUP BY ALL
),
seen AS (
    SELECT DISTINCT 'agency' AS unit_kind, s.period, v.epoch, s.agency_id AS unit_id
    FROM qd766_src s JOIN v ON v.period = s.period
    UNION
    SELECT DISTINCT b.level, s.period, v.epoch, b.tgt FROM qd766_src s JOIN v ON v.period = s.period
    JOIN qd766_bridge b ON b.epoch = v.epoch AND b.src = s.unit_id AND b.level = 'commune'
    UNION
    SELECT DISTINCT b.level, s.period, v.epoch, b.tgt FROM qd766_src s JOIN v ON v.period = s.period
    JOIN qd766_bridge b ON b.epoch = v.epoch AND b.src = s.province_id AND b.level = 'province'
),
remit AS (
    SELECT s.period, s.epoch, 'agency' AS unit_kind, a.id AS unit_id, p.id AS procedure_id
    FROM seen s JOIN agency a ON a.id = s.unit_id JOIN procedure p
      ON p.agency_id = a.id OR (a.kind = 'ubnd_xa' AND p.level IN ('commune', 'both'))
    WHERE s.unit_kind = 'agency'
    UNION ALL
    SELECT s.period, s.epoch, 'commune', s.unit_id, p.id FROM seen s
    JOIN procedure p ON p.level IN ('commune', 'both') WHERE s.unit_kind = 'commune'
    UNION ALL
    SELECT s.period, s.epoch, 'province', s.unit_id, p.id FROM seen s CROSS JOIN procedure p
    WHERE s.unit_kind = 'province'
)
SELECT r.period, r.epoch, r.unit_kind, r.unit_id, pr.*,
    coalesce(fl.has_online_dossier, FALSE) AS has_online_dossier,
    coalesce(fl.has_online_payment, FALSE) AS has_online_payment,
    coalesce(fl.part, FALSE) AS part
FROM remit r JOIN procedure pr ON pr.id = r.procedure_id
LEFT JOIN flags fl ON fl.period = r.period AND fl.epoch = r.epoch AND fl.unit_kind = r.unit_kind
     AND fl.unit_id = r.unit_id AND fl.procedure_id = r.procedure_id
"""
_LONG = """SELECT period, epoch, unit_kind, unit_id, part, split_part(name, '|', 2) AS indicator,
       max(CASE WHEN starts_with(name, 'n|') THEN v END) AS num,
       max(CASE WHEN starts_with(name, 'd|') THEN v END) AS den
FROM (UNPIVOT ({wide}) ON COLUMNS(* EXCLUDE (period, epoch, unit_kind, unit_id, part))
      INTO NAME name VALUE v)
GROUP BY ALL"""


def _mapped_sql(catalog: Catalog, views: str) -> str:
    """Return the query of every count of the given views: (period, epoch, unit_kind, unit_id,
    part, indicator, num, den), ``views`` being a query of (period, epoch)."""
    names = [f'"{c}"' for c in _dossier_columns(catalog)]
    dossiers = f"""
        WITH v AS ({views}),
        f AS (SELECT v.epoch, s.* FROM qd766_src s JOIN v ON v.period = s.period),
        m AS ({_CARRY.format(cols=", ".join(f"f.{n}" for n in names))})
        SELECT period, epoch, unit_kind, unit_id, bool_or(part) AS part,
            {", ".join(f"sum({n}) AS {n}" for n in names)}
        FROM m GROUP BY ALL"""
    parts = [_LONG.format(wide=dossiers)]
    inds = [i for i in catalog.indicators if i.population == "procedures"]
    if inds:
        cols = []
        for ind in inds:
            cols.append(
                f'count(*) FILTER (WHERE ({ind.denominator_sql}) AND ({ind.numerator_sql})) AS "n|{ind.id}"'
            )
            cols.append(f'count(*) FILTER (WHERE {ind.denominator_sql}) AS "d|{ind.id}"')
        frame = PROCEDURE_FRAME_SQL.format(
            views=views, carry=_CARRY.format(cols="f.procedure_id, f.online, f.paid")
        )
        procedures = f"""
            SELECT period, epoch, unit_kind, unit_id, bool_or(part) AS part, {", ".join(cols)}
            FROM ({frame}) GROUP BY period, epoch, unit_kind, unit_id"""
        parts.append(_LONG.format(wide=procedures))
    return " UNION ALL ".join(f"({p})" for p in parts)


@dataclass
class Score:
    """One indicator of one unit and period: counts, value, points."""

    indicator: Indicator
    num: float | None
    den: float | None
    value: float | None
    points: float | None

    @property
    def applicable(self) -> bool:
        """Return True when there was data to compute it on."""
        return self.value is not None


@dataclass
class UnitScore:
    """The index of one unit for one period."""

    period: str
    unit_kind: str
    unit_id: int
    scores: dict[str, Score] = field(default_factory=dict)
    # Some of its figures come from a unit of before the reform that was split between several
    # units (each part counts all of the old unit's dossiers).
    partial: bool = False
    # (rank, among how many) among the units of its kind in the same province; None when it
    # has no score or nothing to be compared with.
    rank: tuple[int, int] | None = None

    @property
    def points(self) -> float:
        """Return the points earned on applicable, scored indicators."""
        return sum(
            s.points or 0 for s in self.scores.values() if s.applicable and s.indicator.scored
        )

    @property
    def max_points(self) -> float:
        """Return the points available on applicable indicators."""
        return sum(
            s.indicator.points for s in self.scores.values() if s.applicable and s.indicator.scored
        )

    @property
    def share(self) -> float | None:
        """Return the score as a share of what applied (0–100), or None when nothing applied."""
        return 100 * self.points / self.max_points if self.max_points else None


def points_for(ind: Indicator, value: float | None) -> float | None:
    """Return the points a value earns: full at or above the threshold, else pro rata."""
    if value is None or not ind.scored:
        return None
    if ind.direction == "lower":
        return ind.points * max(0.0, 1 - value)
    return ind.points * min(value / ind.threshold, 1.0)


def score_rows(
    catalog: Catalog,
    rows: list[tuple[str, str, int, str, float | None, float | None]]
    | list[tuple[str, str, int, str, float | None, float | None, bool]],
) -> dict[tuple[str, str, int], UnitScore]:
    """Return the unit scores built from (period, unit_kind, unit_id, indicator, num, den
    [, partial]) rows."""
    out: dict[tuple[str, str, int], UnitScore] = {}
    raw: dict[tuple[str, str, int], dict[str, tuple[float | None, float | None]]] = {}
    partial: set[tuple[str, str, int]] = set()
    for row in rows:
        period, kind, uid, ind_id, num, den = row[:6]
        key = (period, kind, int(uid))
        raw.setdefault(key, {})[ind_id] = (num, den)
        if len(row) > 6 and row[6]:
            partial.add(key)
    for key, counts in raw.items():
        us = UnitScore(*key, partial=key in partial)
        values: dict[str, float | None] = {}
        for ind in catalog.indicators:
            if ind.kind == "complement":
                continue
            num, den = counts.get(ind.id, (None, None))
            value = (num or 0) / den if den else None
            values[ind.id] = value
            us.scores[ind.id] = Score(ind, num, den, value, points_for(ind, value))
        for ind in catalog.indicators:
            if ind.kind != "complement":
                continue
            parts = []
            for ref in ind.of:
                rid, _, mode = ref.partition(":")
                v = values.get(rid)
                parts.append(None if v is None else (1 - v if mode == "late" else v))
            value = (
                None if any(p is None for p in parts) else max(0.0, 1 - sum(p or 0 for p in parts))
            )
            us.scores[ind.id] = Score(ind, None, None, value, points_for(ind, value))
        out[key] = us
    return out


def _rank(lake: Lake, scores: dict[tuple[str, str, int], UnitScore], day: date) -> None:
    """Rank each unit among the units of its kind in the same province — the province that
    stood on ``day`` (provinces among the provinces); a unit alone in its group has nothing to
    be compared with and no rank."""
    con = lake.cursor()
    ids = {kind: [k[2] for k in scores if k[1] == kind] for kind in ("commune", "agency")}
    root = "CAST(split_part(trim({p}, '/'), '/', 1) AS BIGINT)"
    group: dict[tuple[str, int], int] = {}
    for kind, sql in (
        ("commune", f"SELECT id, {root.format(p='path')} FROM unit WHERE list_contains($ids, id)"),
        (
            "agency",
            f"""SELECT a.id, coalesce(po.province_id, {root.format(p="a.unit_path")})
            FROM agency a LEFT JOIN province_on po ON po.root = {root.format(p="a.unit_path")}
                AND $day BETWEEN po.d_from AND po.d_to
            WHERE list_contains($ids, a.id)""",
        ),
    ):
        if not ids[kind]:
            continue
        params: dict[str, object] = {"ids": ids[kind]}
        if "$day" in sql:
            params["day"] = day
        for uid, g in con.execute(sql, params).fetchall():
            group[(kind, int(uid))] = int(g or 0)
    by_group: dict[tuple[str, int], list[UnitScore]] = {}
    for us in scores.values():
        if us.share is not None:
            g = 0 if us.unit_kind == "province" else group.get((us.unit_kind, us.unit_id), 0)
            by_group.setdefault((us.unit_kind, g), []).append(us)
    for items in by_group.values():
        if len(items) < 2:
            continue
        items.sort(key=lambda u: -(u.share or 0))
        rank, last = 0, None
        for i, us in enumerate(items, start=1):
            if us.share != last:
                rank, last = i, us.share
            us.rank = (rank, len(items))


def freshness(year: int) -> int:
    """Return the hour (since the epoch) the counts of ``year`` must be redone by, or 0 for a
    year wholly past: an open dossier is judged late against now, but a period that has
    ended judges it at its own end."""
    if year < datetime.now(LOCAL).year:
        return 0
    return int(time.time() // 3600)


def current(lake: Lake, catalog: Catalog, year: int) -> None:
    """Bring the copy and the counts of ``year`` up to date (a no-op when nothing changed)."""
    lake.refresh()
    with lake.lock:
        con = lake.cursor()
        state = dict(con.execute("SELECT key, value FROM lake_state").fetchall())
    if (
        state.get("qd766_year") != year
        or state.get("qd766_seq") != state.get("dossier_seq")
        or state.get("qd766_dims") != state.get("dims_fp")
        or state.get("qd766_hour") != freshness(year)
    ):
        compute(lake, catalog, year)
        with lake.lock:
            lake.cursor().execute(
                "INSERT OR REPLACE INTO lake_state SELECT 'qd766_dims', value FROM lake_state WHERE key = 'dims_fp'"
            )
            lake.states_changed()


def _digest(catalog: Catalog) -> str:
    """Return a fingerprint of the catalog's content (thresholds and points may change while
    its code and version do not)."""
    return hashlib.sha256(repr(catalog).encode()).hexdigest()


# Scores per (catalog, period, reference epoch, dossier watermark, dimensions, hour): the pages
# and the DTI read a figure from memory while nothing changed. Bounded by the number of unit
# scores held, whatever the size of the province.
_CACHE: weakref.WeakKeyDictionary[Lake, dict[tuple[object, ...], dict[Any, UnitScore]]] = (
    weakref.WeakKeyDictionary()
)
_CACHE_UNITS = 20_000
FLIGHT: SingleFlight[dict[Any, UnitScore]] = SingleFlight()


def figures_version(
    lake: Lake,
    catalog: Catalog,
    period: Period,
    day: date | None = None,
    conn: Connection | None = None,
) -> tuple[object, ...]:
    """Return what the scores of ``period`` on the units valid on ``day`` are worked out from:
    the catalog, the reference epoch, the copy's dossiers, dimensions and calendar, and the hour
    for a year still running. The copy is brought up to date first (Lake.refresh, looking for
    changes on ``conn`` when the caller holds one)."""
    lake.refresh(conn)
    state = lake.states()
    return (
        _digest(catalog),
        period.code,
        epoch(lake, day or period.last),
        state.get("dossier_seq"),
        state.get("dims_fp"),  # what the copy holds of the register, not the audit head
        state.get("calendar"),
        freshness(period.first.year),
    )


def fetch(
    lake: Lake,
    catalog: Catalog,
    period: Period,
    unit_kind: str | None = None,
    unit_ids: list[int] | None = None,
    *,
    on: date | None = None,
    ranked: bool = True,
) -> dict[tuple[str, str, int], UnitScore]:
    """Return the scores of a period on the units valid on ``on`` (the period's last day by
    default) for the given units (all when ``unit_ids`` is None).

    With ``ranked`` (the default) every unit is scored and ranked and the ones asked for are
    returned; without it only the units asked for are scored (a trend needs no ranks)."""
    day = on or period.last
    if unit_ids is not None and not unit_ids:
        return {}
    narrow = not ranked and unit_ids is not None
    # Read without the copy's lock: a figure in memory is served while another request
    # computes (a sync too large for a reader runs behind, see Lake.refresh).
    # Known before the year's counts are brought up to date, so that reading two years in
    # turn (the DTI's previous period) does not recompute each on every read.
    key = (
        *figures_version(lake, catalog, period, day),
        (unit_kind, tuple(sorted(unit_ids or ()))) if narrow else None,
    )
    cache = _CACHE.setdefault(lake, {})
    scores = cache.get(key)
    if scores is None:

        def compute_scores() -> dict[Any, UnitScore]:
            held = cache.get(key)  # computed by a request that finished meanwhile
            if held is not None:
                return held
            # The counts of one year, computed and read without another year between.
            with lake.lock:
                current(lake, catalog, period.first.year)
                only = (unit_kind, unit_ids) if narrow else None
                found = score_rows(catalog, _count_rows(lake, catalog, period, day, only))
                if not narrow:
                    _rank(lake, found, day)
            if sum(len(v) for v in cache.values()) + len(found) > _CACHE_UNITS:
                cache.clear()
            cache[key] = found
            return found

        # Concurrent requests for the same figure share one computation.
        scores = FLIGHT.do((id(lake), key), compute_scores)
    wanted = None if unit_ids is None else set(unit_ids)
    return {
        k: us
        for k, us in scores.items()
        if (unit_kind is None or k[1] == unit_kind) and (wanted is None or k[2] in wanted)
    }


def _count_rows(
    lake: Lake,
    catalog: Catalog,
    period: Period,
    day: date,
    only: tuple[str | None, list[int] | None] | None = None,
) -> list[tuple[str, str, int, str, float | None, float | None, bool]]:
    """Return (period, kind, unit, indicator, num, den, partial) of a period on ``day``'s units
    (``only``: of these units of a kind)."""
    con = lake.cursor()
    cols = "period, unit_kind, unit_id, indicator, num, den, part"
    ep = epoch(lake, day)
    params: dict[str, object] = {"period": period.code}
    row = con.execute("SELECT epoch FROM qd766_period WHERE code = $period", params).fetchone()
    if row is not None and row[0] == ep:  # laid out by compute for every period of the year
        source = "qd766_count"
    else:
        _bridge(lake, con, {ep})
        views = "SELECT CAST($period AS VARCHAR) AS period, CAST($epoch AS DATE) AS epoch"
        source = f"({_mapped_sql(catalog, views)})"
        params["epoch"] = ep
    sql = f"SELECT {cols} FROM {source} WHERE period = $period"
    if only is not None:
        kind, ids = only
        if kind is not None:
            sql += " AND unit_kind = $kind"
            params["kind"] = kind
        if ids is not None:
            sql += " AND list_contains($ids, unit_id)"
            params["ids"] = [int(i) for i in ids]
    return [tuple(r) for r in con.execute(sql, params).fetchall()]


def member(
    kind: str, unit_id: int, ep: date, alias: str = "pairs"
) -> tuple[str, dict[str, object]]:
    """Return (condition, parameters) selecting the dossier rows (``alias``) that belong to a
    unit in reference epoch ``ep``: the one definition the counts, the explanations and the late
    list share. An agency is itself; a commune or province is every reception unit the bridge
    maps onto it."""
    col = f"{alias}.{MEMBER_COLUMNS[kind]}"
    if kind == "agency":
        return f"{col} = $unit", {"unit": unit_id}
    return (
        f"{col} IN (SELECT b.src FROM qd766_bridge b WHERE b.epoch = $epoch "
        f"AND b.level = '{kind}' AND b.tgt = $unit)",
        {"epoch": ep, "unit": unit_id},
    )


def _pairs(lake: Lake, con: duckdb.DuckDBPyConnection, period: Period) -> str:
    """Return the dossier-period pairs of the period's year as a query, laying out that year's
    periods without recomputing any count (an explanation needs no histogram)."""
    lake.refresh()
    _periods(lake, con, periods_of_year(period.first.year), "qd766_xperiod")
    return PAIRS_SQL.format(and_where="", periods="qd766_xperiod")


POPULATION_FLAGS = {
    "submitted": "in_submitted",
    "received": "in_received",
    "processed": "in_processed",
    "finished": "in_finished",
}
EXPLAIN_LIMIT = 100_000


def explain(
    lake: Lake,
    catalog: Catalog,
    period: Period,
    unit_kind: str,
    unit_id: int,
    indicator: str,
    part: str = "denominator",
    *,
    on: date | None = None,
) -> list[dict[str, object]]:
    """Return the dossiers (or procedures) behind an indicator's numerator or denominator."""
    ind = catalog.indicator(indicator)
    if ind.kind == "complement":
        raise KeyError(indicator)
    day = on or period.last
    with lake.lock:
        con = lake.cursor()
        if ind.population == "procedures":
            current(lake, catalog, period.first.year)  # the remit follows the year's counts
            ep = epoch(lake, day)
            _bridge(lake, con, {ep})
            cond = ind.denominator_sql + (
                f" AND ({ind.numerator_sql})" if part == "numerator" else ""
            )
            views = "SELECT CAST($period AS VARCHAR) AS period, CAST($epoch AS DATE) AS epoch"
            frame = PROCEDURE_FRAME_SQL.format(
                views=views, carry=_CARRY.format(cols="f.procedure_id, f.online, f.paid")
            )
            sql = f"""
                SELECT pr.code AS "Mã thủ tục", pr.name AS "Tên thủ tục", pr.online_mode AS "DVC trực tuyến",
                    has_online_dossier AS "Có hồ sơ trực tuyến", has_online_payment AS "Có thanh toán trực tuyến"
                FROM ({frame}) pr
                WHERE unit_kind = $kind AND unit_id = $unit AND {cond}
                ORDER BY pr.code LIMIT {EXPLAIN_LIMIT}"""
            params = {"period": period.code, "epoch": ep, "kind": unit_kind, "unit": unit_id}
            cur = con.execute(sql, params)
        else:
            pairs = _pairs(lake, con, period)
            cond = f"{POPULATION_FLAGS[ind.population]} AND ({ind.denominator_sql})"
            if part == "numerator":
                cond += f" AND ({ind.numerator_sql})"
            belongs, params = member(unit_kind, unit_id, epoch(lake, day))
            sql = f"""
                SELECT code AS "Mã hồ sơ", pr_code AS "Mã thủ tục", pr_name AS "Tên thủ tục",
                    ag_code AS "Mã cơ quan", ag_name AS "Cơ quan", channel AS "Kênh", status AS "Trạng thái",
                    received_at AS "Tiếp nhận", appointment_at AS "Hẹn trả", due_at AS "Hạn sau bổ sung",
                    end_at AS "Kết thúc",
                    supplement_count AS "Số lần bổ sung", on_time AS "Đúng hạn",
                    round(processing_days, 2) AS "Ngày xử lý"
                FROM ({pairs}) pairs
                JOIN (SELECT id AS pid, code AS pr_code, name AS pr_name FROM procedure) q ON q.pid = pairs.procedure_id
                LEFT JOIN (SELECT id AS aid, code AS ag_code, name AS ag_name FROM agency) g ON g.aid = pairs.agency_id
                WHERE period = $period AND {belongs} AND {cond}
                ORDER BY received_at, code LIMIT {EXPLAIN_LIMIT}"""
            cur = con.execute(sql, {"period": period.code, **params})
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def late_dossiers(
    lake: Lake,
    catalog: Catalog,
    period: Period,
    unit_kind: str,
    unit_id: int,
    limit: int = 50,
    *,
    on: date | None = None,
) -> list[dict[str, object]]:
    """Return the latest-first late dossiers of a unit in a period (processed, not on time),
    with their procedure and agency, each row carrying the ``total`` of late dossiers."""
    day = on or period.last
    with lake.lock:
        con = lake.cursor()
        pairs = _pairs(lake, con, period)
        belongs, params = member(unit_kind, unit_id, epoch(lake, day))
        cur = con.execute(
            f"""SELECT pairs.code, procedure_id, status, received_at, due_at, end_at, supplement_count,
                   -- Working days, as the deadline itself is counted (the workday table's
                   -- running index): a weekend or a holiday in between is not a day late.
                   wend.idx - wdue.idx AS days_late,
                   q.pr_code AS procedure_code, q.pr_name AS procedure_name,
                   pairs.agency_id, g.ag_name AS agency_name, count(*) OVER () AS total
                FROM ({pairs}) pairs
                LEFT JOIN (SELECT id AS pid, code AS pr_code, name AS pr_name FROM procedure) q
                    ON q.pid = pairs.procedure_id
                LEFT JOIN (SELECT id AS aid, name AS ag_name FROM agency) g ON g.aid = pairs.agency_id
                LEFT JOIN workday wdue ON wdue.d = CAST(due_at AS DATE)
                LEFT JOIN workday wend
                       ON wend.d = CAST(coalesce(end_at, least(now(), end_ts)) AS DATE)
                WHERE period = $period AND {belongs} AND in_processed AND NOT on_time
                ORDER BY days_late DESC NULLS LAST, pairs.code LIMIT {int(limit)}""",
            {"period": period.code, **params},
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
