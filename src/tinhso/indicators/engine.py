"""The indicator engine: element values rolled up in DuckDB, indicators, points per unit.

For a period, one scan of ``ind_value`` (submitted and approved values inside the period)
aggregates each element first over time per reporting organisation — keeping only the longest
period type reported, so a yearly figure is not added to the months it covers — and then up
the bridge to every unit and agency it counts for (``indicators/lake.py``). Each element
aggregates by its rule: ``sum``; ``average`` as Σ values ÷ number of values over the whole
subtree (weighted, never an average of averages); ``max``; ``last`` (each organisation's
latest value, summed); ``none`` (the unit's own value for exactly that period). Indicators
are then evaluated on the rolled-up values in the same query: ``factor × numerator ÷
denominator`` — a ratio of sums. Points, totals, ranks and changes are worked out from those
few thousand rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tinhso.indicators import expr
from tinhso.indicators import lake as ilake
from tinhso.indicators.spec import IndexSpec, IndicatorSpec, NodeSpec
from tinhso.lake import Lake
from tinhso.services.periods import Period

NOTE_NO_DATA = "chưa có số liệu"
NOTE_ZERO = "mẫu số bằng 0"


@dataclass(slots=True)
class IndicatorValue:
    """An indicator of one organisation and period."""

    numerator: float | None
    denominator: float | None
    value: float | None
    note: str = ""


@dataclass
class OrgResult:
    """One organisation's index for a period: indicator values, points per node, total."""

    org: int
    values: dict[str, IndicatorValue] = field(default_factory=dict)
    points: dict[str, float | None] = field(default_factory=dict)
    max_points: dict[str, float] = field(default_factory=dict)
    partial: bool = False
    # The nodes with at least one indicator that has a value beneath them ("" for the total): a
    # node outside it has no figure of its own, whatever points ``missing: zero`` gives it.
    covered: set[str] = field(default_factory=set)

    @property
    def total(self) -> float | None:
        """Return the points of the whole index."""
        return self.points.get("")

    @property
    def reported(self) -> bool:
        """Return True when at least one indicator has a value (the unit has data at all)."""
        return any(v.value is not None for v in self.values.values())


def indicator_value(spec: IndicatorSpec, num: float | None, den: float | None) -> IndicatorValue:
    """Return factor × numerator ÷ denominator, or a missing value with the reason."""
    if num is None or den is None:
        return IndicatorValue(num, den, None, NOTE_NO_DATA)
    if den == 0:
        return IndicatorValue(num, den, None, NOTE_ZERO)
    return IndicatorValue(num, den, spec.factor * num / den, "")


def points_for(node: NodeSpec, value: float | None) -> float | None:
    """Return the points a leaf earns for a value (None when there is no value)."""
    if value is None:
        return None
    top = node.max_points
    if node.rule == "yes_no":
        return top if value != 0 else 0.0
    if node.rule == "bands":
        for band in node.params.get("bands", []):
            if ("from" in band and value >= band["from"]) or ("to" in band and value <= band["to"]):
                return float(band["points"])
        return 0.0
    full, zero = float(node.params["full"]), float(node.params.get("zero", 0.0))
    share = (value - zero) / (full - zero)
    return top * min(1.0, max(0.0, share))


def score(spec: IndexSpec, result: OrgResult) -> None:
    """Fill in the points of every node: leaves by their rule, groups as sums of children.

    With ``missing: zero`` a leaf without a value earns 0 of its maximum; with ``skip`` it is
    left out of both the points and the maximum of its groups. The total is under "".
    """
    zero = spec.missing == "zero"
    points, maxima, values = result.points, result.max_points, result.values
    covered = result.covered
    covered.clear()
    for node in reversed(spec.nodes):  # children come after their parent in ``nodes``
        code = node.code
        if node.indicator:
            iv = values.get(node.indicator)
            if iv is not None and iv.value is not None:
                covered.add(code)
            pts = points_for(node, iv.value if iv else None)
            if pts is None and zero:
                pts = 0.0
            points[code] = pts
            maxima[code] = 0.0 if pts is None else node.max_points
        else:
            _group(code, spec.children(code), points, maxima)
            if any(k.code in covered for k in spec.children(code)):
                covered.add(code)
    _group("", spec.children(None), points, maxima)
    if any(k.code in covered for k in spec.children(None)):
        covered.add("")


def _group(
    code: str, kids: list[NodeSpec], points: dict[str, float | None], maxima: dict[str, float]
) -> None:
    total, any_value, top = 0.0, False, 0.0
    for k in kids:
        got = points.get(k.code)
        if got is not None:
            total += got
            any_value = True
        top += maxima.get(k.code, 0.0)
    points[code] = total if any_value else None
    maxima[code] = top


# Over time, per reporting organisation and period type, only what each element's rule needs:
# from the raw values for any period, or from the yearly table for a calendar year.
RAW_SQL = """
    SELECT element_id, src, ptype, any_value(agg) AS agg, sum(x) AS s, count(*) AS c,
        max(x) FILTER (WHERE agg = 'max') AS mx,
        arg_max(x, period_end) FILTER (WHERE agg = 'last') AS lst,
        max(x) FILTER (WHERE agg = 'none' AND period = $code) AS own
    FROM (
        SELECT v.element_id, v.org AS src, v.ptype, v.period, v.period_end, v.value_num AS x,
            e.aggregation AS agg
        FROM ind_value v JOIN ind_element e ON e.id = v.element_id
        WHERE v.status IN ('submitted', 'approved') AND v.value_num IS NOT NULL
          AND v.period_start >= $first AND v.period_end <= $last AND v.element_id IN ({elements})
    ) GROUP BY element_id, src, ptype
"""
YEAR_SQL = """
    SELECT y.element_id, y.org AS src, y.ptype, e.aggregation AS agg, y.s, y.c, y.mx, y.lst, y.own
    FROM ind_year y JOIN ind_element e ON e.id = y.element_id
    WHERE y.year = year($first) AND y.element_id IN ({elements})
"""
ROLLUP_SQL = """
CREATE OR REPLACE TABLE ind_rolled AS
WITH t AS ({source}),
top AS (  -- the longest period type reported wins over its parts
    SELECT t.* FROM t JOIN (SELECT element_id, src, max(ptype) AS p FROM t GROUP BY ALL) m
      ON m.element_id = t.element_id AND m.src = t.src AND m.p = t.ptype
),
r AS (  -- up the bridge
    SELECT b.tgt AS org, t.element_id, any_value(t.agg) AS agg, sum(t.s) AS s, sum(t.c) AS c,
        max(t.mx) AS mx, sum(t.lst) AS lst, max(t.own) FILTER (WHERE b.own) AS own,
        bool_or(b.part) AS part
    FROM top t JOIN ind_bridge b ON b.src = t.src
    GROUP BY b.tgt, t.element_id
)
SELECT org, element_id, part,
    CASE agg WHEN 'sum' THEN s WHEN 'average' THEN s / c WHEN 'max' THEN mx
        WHEN 'last' THEN lst ELSE own END AS value
FROM r
"""


def rollup_sql(period: Period, elements: str, *, yearly: bool = True) -> str:
    """Return the roll-up statement of a period (from the yearly table for a calendar year)."""
    source = YEAR_SQL if yearly and period.kind == "year" else RAW_SQL
    return ROLLUP_SQL.format(source=source.format(elements=elements))


def _columns(spec: IndexSpec) -> dict[str, str]:
    """Return the SQL of every indicator's value, inlining indicators used by others."""
    memo: dict[str, str] = {}

    def column(code: str) -> str:
        if code in spec.elements:
            return f'"e{spec.elements[code]}"'
        if code in spec.external:
            return f'"x{spec.external.index(code)}"'
        if code not in memo:
            i = spec.indicators[code]
            num, den = expr.to_sql(i.numerator, column), expr.to_sql(i.denominator, column)
            memo[code] = f"({i.factor!r} * {num} / nullif({den}, 0))"
        return memo[code]

    out = {}
    for code, i in spec.indicators.items():
        out[f"n|{code}"] = expr.to_sql(i.numerator, column)
        out[f"d|{code}"] = expr.to_sql(i.denominator, column)
    return out


def compute(
    lake: Lake,
    spec: IndexSpec,
    period: Period,
    day: date,
    orgs: list[int],
    external: dict[int, dict[str, float | None]] | None = None,
    *,
    yearly: bool = True,
) -> dict[int, OrgResult]:
    """Return the index of every organisation in ``orgs`` for the period (units valid on ``day``).

    ``external`` gives the other domains' figures per organisation (``qd766.3.3`` …).
    """
    with lake.lock:
        ilake.ensure_bridge(lake, day)
        con = lake.cursor()
        ilake.load_rows_orgs(con, orgs)
        elements = ", ".join(str(i) for i in spec.elements.values()) or "NULL"
        sql = rollup_sql(period, elements, yearly=yearly)
        params = {"first": period.first, "last": period.last, "code": period.code}
        con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        # PIVOT, not one FILTER aggregate per element: the latter is quadratic in DuckDB and
        # took seconds on 300 elements.
        enames = ", ".join(f"'e{i}'" for i in spec.elements.values())
        if enames:
            con.execute(
                f"""CREATE OR REPLACE TABLE ind_wide AS PIVOT (
                    SELECT org, 'e' || element_id AS ename, value FROM ind_rolled
                ) ON ename IN ({enames}) USING max(value) GROUP BY org"""
            )
        else:
            con.execute("CREATE OR REPLACE TABLE ind_wide AS SELECT org FROM ind_orgs")
        ext_cols = [(f"x{k}", "DOUBLE") for k in range(len(spec.external))]
        ilake.load_external(con, ext_cols, spec.external, external or {})
        cols = _columns(spec)
        select = ", ".join(f'{sql} AS "{name}"' for name, sql in cols.items())
        sql = f"""SELECT o.org, coalesce(p.part, FALSE) AS part{", " + select if select else ""}
            FROM ind_orgs o LEFT JOIN ind_wide w ON w.org = o.org
            LEFT JOIN (SELECT org, bool_or(part) AS part FROM ind_rolled GROUP BY org) p
                ON p.org = o.org
            LEFT JOIN ind_ext x ON x.org = o.org"""
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    at = {n: k for k, n in enumerate(names)}
    plan = [(c, i, at[f"n|{c}"], at[f"d|{c}"]) for c, i in spec.indicators.items()]
    out: dict[int, OrgResult] = {}
    for row in rows:
        res = OrgResult(int(row[0]), partial=bool(row[1]))
        vals = res.values
        for code, i, n, d in plan:
            vals[code] = indicator_value(i, row[n], row[d])
        score(spec, res)
        out[res.org] = res
    return out
