"""The 766 index computed in DuckDB over the analytics copy, per agency, commune and province.

One scan pairs every dossier with the periods it touches (received, processed or finished
in them, or still open at their end), computes its timing against the working-day calendar
(due time moved by the days the citizen spent supplementing, processing days), and counts
every indicator's numerator and denominator for every period and unit at once (GROUPING
SETS). Scores, shares and ranks are then worked out from those counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from tinhso.lake import Lake
from tinhso.services.catalog import Catalog, Indicator
from tinhso.services.periods import Period, periods_of_year

UNIT_KINDS = ("agency", "commune", "province")

PAIRS_SQL = """
WITH periods AS (SELECT * FROM qd766_period),
bounds AS (SELECT min(start_ts) AS y0, max(end_ts) AS y1 FROM qd766_period),
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
SELECT b.*, P.code AS period, P.start_ts, P.end_ts,
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


def _units(kind: str) -> str:
    return {"agency": "agency_id", "commune": "unit_id", "province": "province_id"}[kind]


def compute(lake: Lake, catalog: Catalog, year: int, *, dossier_filter: str = "") -> int:
    """Recompute every indicator count of ``year`` into table ``qd766_count``; return its rows.

    ``dossier_filter`` restricts the dossiers (a SQL condition on ``d``), for explanations.
    """
    with lake.lock:
        con = lake.cursor()
        _periods(con, periods_of_year(year))
        _dossier_counts(con, catalog, year, dossier_filter)
        _procedure_counts(con, catalog, year)
        con.execute(
            "CREATE OR REPLACE TABLE qd766_count AS "
            "SELECT * FROM qd766_dcount UNION ALL SELECT * FROM qd766_pcount"
        )
        con.execute("DELETE FROM lake_state WHERE key LIKE 'qd766_%'")
        con.execute("INSERT INTO lake_state VALUES ('qd766_year', ?)", [year])
        con.execute(
            "INSERT INTO lake_state SELECT 'qd766_seq', value FROM lake_state WHERE key = 'dossier_seq'"
        )
        n = con.execute("SELECT count(*) FROM qd766_count").fetchone()
        return int(n[0]) if n else 0


def _periods(con: duckdb.DuckDBPyConnection, periods: list[Period]) -> None:
    c = con
    c.execute(
        "CREATE OR REPLACE TABLE qd766_period (pno INTEGER, code VARCHAR, kind VARCHAR, "
        "start_ts TIMESTAMPTZ, end_ts TIMESTAMPTZ, m_from INTEGER, m_to INTEGER)"
    )
    c.executemany(
        "INSERT INTO qd766_period VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (i, p.code, p.kind, p.start, p.end, p.first.month - 1, p.last.month - 1)
            for i, p in enumerate(periods)
        ],
    )


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
    # Counts are sums, so aggregate once at the finest grain (period × agency × commune ×
    # province) and roll that small table up to each kind of unit.
    names = [c.split(" AS ")[-1] for c in cols]
    sums = ", ".join(f"sum({n}) AS {n}" for n in names)
    sql = f"""
        CREATE OR REPLACE TABLE qd766_wide AS
        WITH fine AS (
            SELECT P.code AS period, h.agency_id, h.unit_id, h.province_id, {", ".join(cols)}
            FROM qd766_hist h JOIN qd766_period P ON h.sub_b <= P.m_to AND h.e_b >= P.m_from
            GROUP BY ALL
        )
        SELECT period, 'agency' AS unit_kind, agency_id AS unit_id, {sums} FROM fine GROUP BY period, agency_id
        UNION ALL
        SELECT period, 'commune', unit_id, {sums} FROM fine WHERE unit_id IS NOT NULL GROUP BY period, unit_id
        UNION ALL
        SELECT period, 'province', province_id, {sums} FROM fine GROUP BY period, province_id
    """
    con.execute(sql)
    con.execute(
        """CREATE OR REPLACE TABLE qd766_dcount AS
        SELECT period, unit_kind, unit_id, split_part(name, '|', 2) AS indicator,
               max(CASE WHEN starts_with(name, 'n|') THEN v END) AS num,
               max(CASE WHEN starts_with(name, 'd|') THEN v END) AS den
        FROM (UNPIVOT qd766_wide ON COLUMNS(* EXCLUDE (period, unit_kind, unit_id)) INTO NAME name VALUE v)
        GROUP BY ALL"""
    )


def _procedure_counts(con: duckdb.DuckDBPyConnection, catalog: Catalog, year: int) -> None:
    inds = [i for i in catalog.indicators if i.population == "procedures"]
    if not inds:
        con.execute("CREATE OR REPLACE TABLE qd766_pcount AS SELECT * FROM qd766_dcount LIMIT 0")
        return
    # "Received in the period": fold the dossiers by month of reception first (one scan, no
    # calendar work: rec_m is kept in the copy), then spread the months over the periods.
    flags = f"""
        WITH m AS (
            SELECT procedure_id, agency_id, unit_id, province_id, rec_m - {year * 12} AS mb,
                bool_or(channel = 2) AS online, bool_or(payment_flag IN (1, 2)) AS paid
            FROM dossier
            WHERE counted AND rec_m BETWEEN {year * 12} AND {year * 12 + 11}
            GROUP BY ALL
        ),
        fine AS (
            SELECT P.code AS period, procedure_id, agency_id, unit_id, province_id,
                bool_or(online) AS online, bool_or(paid) AS paid
            FROM m JOIN qd766_period P ON m.mb BETWEEN P.m_from AND P.m_to
            GROUP BY ALL
        )
        SELECT period, procedure_id, 'agency' AS unit_kind, agency_id AS unit_id,
            bool_or(online) AS has_online_dossier, bool_or(paid) AS has_online_payment
        FROM fine GROUP BY ALL
        UNION ALL
        SELECT period, procedure_id, 'commune', unit_id, bool_or(online), bool_or(paid)
        FROM fine WHERE unit_id IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT period, procedure_id, 'province', province_id, bool_or(online), bool_or(paid)
        FROM fine GROUP BY ALL
    """
    con.execute(f"CREATE OR REPLACE TABLE qd766_pflags AS {flags}")
    # Which procedures are in each unit's remit: an agency's own, the commune-level ones for a
    # commune, all of them for the province.
    con.execute(
        """CREATE OR REPLACE TABLE qd766_remit AS
        WITH seen AS (SELECT DISTINCT unit_id, province_id FROM dossier)  -- one scan for both
        SELECT 'agency' AS unit_kind, a.id AS unit_id, p.id AS procedure_id FROM agency a JOIN procedure p
          ON p.agency_id = a.id OR (a.kind = 'ubnd_xa' AND p.level IN ('commune', 'both'))
        UNION ALL
        SELECT 'commune', u.id, p.id FROM unit u JOIN procedure p ON p.level IN ('commune', 'both')
        WHERE u.level = 'commune' AND u.id IN (SELECT unit_id FROM seen)
        UNION ALL
        SELECT 'province', u.id, p.id FROM unit u CROSS JOIN procedure p
        WHERE u.level = 'province' AND u.id IN (SELECT province_id FROM seen)"""
    )
    cols = []
    for ind in inds:
        cols.append(
            f'count(*) FILTER (WHERE ({ind.denominator_sql}) AND ({ind.numerator_sql})) AS "n|{ind.id}"'
        )
        cols.append(f'count(*) FILTER (WHERE {ind.denominator_sql}) AS "d|{ind.id}"')
    con.execute(
        f"""CREATE OR REPLACE TABLE qd766_pwide AS
        SELECT period, unit_kind, unit_id, {", ".join(cols)}
        FROM (
            SELECT P.code AS period, r.unit_kind, r.unit_id, pr.online_mode, pr.fee_bearing, pr.fee,
                pr.issues_result, pr.for_citizens,
                coalesce(f.has_online_dossier, FALSE) AS has_online_dossier,
                coalesce(f.has_online_payment, FALSE) AS has_online_payment
            FROM qd766_remit r CROSS JOIN qd766_period P
            JOIN procedure pr ON pr.id = r.procedure_id
            LEFT JOIN qd766_pflags f ON f.period = P.code AND f.unit_kind = r.unit_kind
                 AND f.unit_id = r.unit_id AND f.procedure_id = r.procedure_id
        ) GROUP BY ALL"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE qd766_pcount AS
        SELECT period, unit_kind, unit_id, split_part(name, '|', 2) AS indicator,
               max(CASE WHEN starts_with(name, 'n|') THEN v END) AS num,
               max(CASE WHEN starts_with(name, 'd|') THEN v END) AS den
        FROM (UNPIVOT qd766_pwide ON COLUMNS(* EXCLUDE (period, unit_kind, unit_id)) INTO NAME name VALUE v)
        GROUP BY ALL"""
    )


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
    catalog: Catalog, rows: list[tuple[str, str, int, str, float | None, float | None]]
) -> dict[tuple[str, str, int], UnitScore]:
    """Return the unit scores built from (period, unit_kind, unit_id, indicator, num, den) rows."""
    out: dict[tuple[str, str, int], UnitScore] = {}
    raw: dict[tuple[str, str, int], dict[str, tuple[float | None, float | None]]] = {}
    for period, kind, uid, ind_id, num, den in rows:
        raw.setdefault((period, kind, int(uid)), {})[ind_id] = (num, den)
    for key, counts in raw.items():
        us = UnitScore(*key)
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


def current(lake: Lake, catalog: Catalog, year: int) -> None:
    """Bring the copy and the counts of ``year`` up to date (a no-op when nothing changed)."""
    lake.sync()
    with lake.lock:
        con = lake.cursor()
        state = dict(con.execute("SELECT key, value FROM lake_state").fetchall())
    if (
        state.get("qd766_year") != year
        or state.get("qd766_seq") != state.get("dossier_seq")
        or state.get("qd766_dims") != state.get("dims")
    ):
        compute(lake, catalog, year)
        with lake.lock:
            lake.cursor().execute(
                "INSERT OR REPLACE INTO lake_state SELECT 'qd766_dims', value FROM lake_state WHERE key = 'dims'"
            )


def fetch(
    lake: Lake,
    catalog: Catalog,
    period: Period,
    unit_kind: str | None = None,
    unit_ids: list[int] | None = None,
) -> dict[tuple[str, str, int], UnitScore]:
    """Return the scores of a period for the given units (all units when ``unit_ids`` is None)."""
    with lake.lock:  # the counts of one year, computed and read without another year between
        return _fetch(lake, catalog, period, unit_kind, unit_ids)


def _fetch(
    lake: Lake, catalog: Catalog, period: Period, unit_kind: str | None, unit_ids: list[int] | None
) -> dict[tuple[str, str, int], UnitScore]:
    current(lake, catalog, period.first.year)
    sql = "SELECT period, unit_kind, unit_id, indicator, num, den FROM qd766_count WHERE period = ?"
    params: list[object] = [period.code]
    if unit_kind:
        sql += " AND unit_kind = ?"
        params.append(unit_kind)
    if unit_ids is not None:
        if not unit_ids:
            return {}
        sql += f" AND unit_id IN ({', '.join(str(int(u)) for u in unit_ids)})"
    with lake.lock:
        rows = lake.cursor().execute(sql, params).fetchall()
    return score_rows(catalog, rows)


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
) -> list[dict[str, object]]:
    """Return the dossiers (or procedures) behind an indicator's numerator or denominator."""
    ind = catalog.indicator(indicator)
    if ind.kind == "complement":
        raise KeyError(indicator)
    col = _units(unit_kind)
    with lake.lock:
        current(lake, catalog, period.first.year)
        con = lake.cursor()
        if ind.population == "procedures":
            cond = ind.denominator_sql + (
                f" AND ({ind.numerator_sql})" if part == "numerator" else ""
            )
            sql = f"""
                SELECT pr.code AS "Mã thủ tục", pr.name AS "Tên thủ tục", pr.online_mode AS "DVC trực tuyến",
                    has_online_dossier AS "Có hồ sơ trực tuyến", has_online_payment AS "Có thanh toán trực tuyến"
                FROM (SELECT P.code AS period, r.unit_kind, r.unit_id, pr.*,
                        coalesce(f.has_online_dossier, FALSE) AS has_online_dossier,
                        coalesce(f.has_online_payment, FALSE) AS has_online_payment
                      FROM qd766_remit r CROSS JOIN qd766_period P JOIN procedure pr ON pr.id = r.procedure_id
                      LEFT JOIN qd766_pflags f ON f.period = P.code AND f.unit_kind = r.unit_kind
                           AND f.unit_id = r.unit_id AND f.procedure_id = r.procedure_id) pr
                WHERE period = ? AND unit_kind = ? AND unit_id = ? AND {cond}
                ORDER BY pr.code LIMIT {EXPLAIN_LIMIT}"""
            cur = con.execute(sql, [period.code, unit_kind, unit_id])
        else:
            cond = f"{POPULATION_FLAGS[ind.population]} AND ({ind.denominator_sql})"
            if part == "numerator":
                cond += f" AND ({ind.numerator_sql})"
            sql = f"""
                SELECT code AS "Mã hồ sơ", pr_code AS "Mã thủ tục", pr_name AS "Tên thủ tục",
                    ag_code AS "Mã cơ quan", ag_name AS "Cơ quan", channel AS "Kênh", status AS "Trạng thái",
                    received_at AS "Tiếp nhận", appointment_at AS "Hẹn trả", due_at AS "Hạn sau bổ sung",
                    end_at AS "Kết thúc",
                    supplement_count AS "Số lần bổ sung", on_time AS "Đúng hạn",
                    round(processing_days, 2) AS "Ngày xử lý"
                FROM ({PAIRS_SQL.format(and_where="")}) pairs
                JOIN (SELECT id AS pid, code AS pr_code, name AS pr_name FROM procedure) q ON q.pid = pairs.procedure_id
                LEFT JOIN (SELECT id AS aid, code AS ag_code, name AS ag_name FROM agency) g ON g.aid = pairs.agency_id
                WHERE period = ? AND {col} = ? AND {cond}
                ORDER BY received_at, code LIMIT {EXPLAIN_LIMIT}"""
            cur = con.execute(sql, [period.code, unit_id])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def late_dossiers(
    lake: Lake, catalog: Catalog, period: Period, unit_kind: str, unit_id: int, limit: int = 50
) -> list[dict[str, object]]:
    """Return the latest-first late dossiers of a unit in a period (processed, not on time),
    with their procedure and agency, each row carrying the ``total`` of late dossiers."""
    with lake.lock:
        current(lake, catalog, period.first.year)
        cur = lake.cursor().execute(
            f"""SELECT pairs.code, procedure_id, status, received_at, due_at, end_at, supplement_count,
                   date_diff('day', due_at, coalesce(end_at, least(now(), end_ts))) AS days_late,
                   q.pr_code AS procedure_code, q.pr_name AS procedure_name,
                   pairs.agency_id, g.ag_name AS agency_name, count(*) OVER () AS total
                FROM ({PAIRS_SQL.format(and_where="")}) pairs
                LEFT JOIN (SELECT id AS pid, code AS pr_code, name AS pr_name FROM procedure) q
                    ON q.pid = pairs.procedure_id
                LEFT JOIN (SELECT id AS aid, name AS ag_name FROM agency) g ON g.aid = pairs.agency_id
                WHERE period = ? AND {_units(unit_kind)} = ? AND in_processed AND NOT on_time
                ORDER BY days_late DESC NULLS LAST, pairs.code LIMIT {int(limit)}""",
            [period.code, unit_id],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
