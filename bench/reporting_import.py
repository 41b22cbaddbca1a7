"""Benchmark of the Excel round-trip of the shared reporting system (issue 4's bar: import of a
100-sheet workbook under 10 s).

A migrated database with the national register; the monthly commune form of catalog/forms
assigned to every commune; a template of N communes (one sheet each) written, filled with
openpyxl, then imported: read, checked (types, rules, scope, period, lock) and written in one
transaction. Run on SQLite and, with --pg URL, on PostgreSQL. Figures are appended to
bench/RESULTS.md.

    python bench/reporting_import.py [--sheets 100] [--pg postgresql+psycopg://…/test]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml
from openpyxl import load_workbook
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import append_results, git_rev

from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit import service as audit
from tinhso.db import Database
from tinhso.migrate import upgrade
from tinhso.reporting import service, workbook
from tinhso.reporting.forms import FORMS_DIR, get_form, load_forms
from tinhso.reporting.models import DataValue
from tinhso.reporting.periods import parse_report_period
from tinhso.units import register

FORM = "BC-CDS-XA-THANG"
PERIOD = "2025-07"


def prepare(url: str, work: Path) -> Database:
    """Return a migrated database with the register and the form assigned to every commune."""
    upgrade(url)
    audit.install()
    db = Database(url)
    spec = yaml.safe_load((FORMS_DIR / "bc-cds-xa-thang.yaml").read_text(encoding="utf-8"))
    spec["assign"] = {"unit_levels": ["commune"]}
    path = work / "form.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with db.session() as s:
        register.load_register(s)
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=[path])
    return db


def fill(template: bytes, n: int) -> bytes:
    """Return the template with every value cell of every sheet filled."""
    wb = load_workbook(io.BytesIO(template))
    values = {
        "XA_TO_CNS_TONG": 12,
        "XA_TO_CNS_HOAT_DONG": 10,
        "XA_THON_TONG": 25,
        "XA_THON_CAP_QUANG": "20",
        "XA_THON_4G": 24,
        "XA_HS_TIEP_NHAN": 1250,
        "XA_HS_TRUC_TUYEN": "800",
        "XA_TL_THANH_TOAN_TT": "53,8%",
        "XA_BCD_KIEN_TOAN": "Có",
        "XA_KHO_KHAN": "Thiếu thiết bị ở bản vùng cao",
    }
    for ws in wb.worksheets[1:]:
        for row in ws.iter_rows(min_row=7):
            if row[1].value in values:
                row[4].value = values[row[1].value]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_one(url: str, sheets: int, work: Path) -> dict[str, float]:
    """Return the timings (seconds) of one backend."""
    out: dict[str, float] = {}
    db = prepare(url, work)
    try:
        with db.session() as s:
            form = get_form(s, FORM)
            targets = service.orgs_of_form(s, principal=SYSTEM_PRINCIPAL, form=form)[:sheets]
            t = time.perf_counter()
            tpl = workbook.build_template(
                s,
                principal=SYSTEM_PRINCIPAL,
                form=form,
                period=parse_report_period(PERIOD),
                targets=targets,
            )
            out["template"] = time.perf_counter() - t
        data = fill(tpl, sheets)
        out["bytes"] = len(data)
        for key in ("import", "reimport"):
            t = time.perf_counter()
            with db.session() as s:
                res = workbook.import_workbook(
                    s,
                    principal=SYSTEM_PRINCIPAL,
                    form=get_form(s, FORM),
                    period=parse_report_period(PERIOD),
                    data=data,
                    submit=True,
                )
            out[key] = time.perf_counter() - t
            out[f"{key}_written"] = res.created + res.updated
        with db.session() as s:
            out["values"] = len(list(s.scalars(select(DataValue.id))))
    finally:
        db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sheets", type=int, default=100)
    parser.add_argument("--pg", default=os.environ.get("TINHSO_TEST_PG_URL"))
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="tinhso-bench-rep-") as tmp:
        work = Path(tmp)
        rows.append(("SQLite", run_one(f"sqlite:///{work / 'bench.db'}", args.sheets, work)))
        if args.pg:
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            name = "tinhso_bench_reporting"
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            try:
                rows.append(("PostgreSQL", run_one(url, args.sheets, work)))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    lines = [
        f"Commit {git_rev()}. `python bench/reporting_import.py --sheets {args.sheets}"
        + (" --pg …`" if args.pg else "`"),
        "",
        "| backend | sheets | workbook (KiB) | template (s) | import, checked and submitted (s) | values written | re-import, unchanged (s) | bar |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, r in rows:
        lines.append(
            f"| {backend} | {args.sheets} | {r['bytes'] / 1024:,.0f} | {r['template']:.2f} | {r['import']:.2f} "
            f"| {r['import_written']:,.0f} | {r['reimport']:.2f} | < 10 s: {'yes' if r['import'] < 10 else 'NO'} |"
        )
    lines += [
        "",
        "- Import: read with openpyxl (read-only), every cell checked (type, rules, scope, period, "
        "lock), values written with one block of change numbers, 100 reports submitted, in one "
        "transaction. Re-import of the same workbook writes nothing (all values unchanged).",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.no_record:
        append_results(
            "Reporting: import of a many-sheet workbook (bench/reporting_import.py)", body
        )


if __name__ == "__main__":
    main()
