"""Benchmark of what the pages cost the province's network: weight per page and polling traffic.

A real server (`tinhso serve` in a child process, on a free loopback port) over the demo
database (built first if the database has no demo accounts) and Debian's Chromium through
Playwright. For each page, signed in as the administrator:
- first visit: a fresh browser with an empty cache (the login page's assets are cleared);
- repeat visit: the same browser opening the page again (what a user pays every day).
Bytes are what went over the wire (Chrome's `encodedDataLength`: headers and body as sent).
Then the 766 page is left open for --poll-seconds and the bytes of its refreshes are scaled to
an hour; and the server is timed from start to ready and on its first `/services`.

    python bench/pages.py [--poll-seconds 60] [--baseline bench/pages_baseline.json]
                          [--save FILE] [--no-record]

With a baseline (a --save of an earlier run, e.g. before a change), the table shows both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import append_results, git_rev

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).with_name("pages_baseline.json")
USER, PASSWORD = "admin", "TinhSo@2025"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def pages(unit_id: int) -> list[tuple[str, str]]:
    """Return the pages measured: (name, path)."""
    return [
        ("Trang chủ", "/"),
        ("Dịch vụ công (766)", "/services"),
        ("Chỉ số chuyển đổi số", "/indicators"),
        ("Đơn vị hành chính", "/units"),
        ("Một đơn vị", f"/units/{unit_id}"),
        ("Báo cáo định kỳ", "/reporting"),
        ("Tình hình nộp báo cáo", "/reporting/completeness"),
        ("Báo cáo Excel", "/reporting/excel"),
        ("Người dùng", "/admin/users"),
        ("Nhập hồ sơ", "/services/upload"),
        ("Đăng nhập", "/login"),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_demo() -> None:
    """Build the demo province in the configured database unless its accounts exist."""
    from sqlalchemy import select

    from tinhso.accounts.models import User
    from tinhso.audit import service as audit
    from tinhso.config import get_settings
    from tinhso.db import Database
    from tinhso.migrate import upgrade

    audit.install()
    url = get_settings().resolved_database_url()
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        if s.scalars(select(User).where(User.username == USER)).first() is not None:
            return
    print("building the demo province…", flush=True)
    subprocess.run([sys.executable, "-m", "tinhso.cli", "demo"], check=True, cwd=ROOT)


def province_id(base: str, client: httpx.Client) -> int:
    """Return the id of the demo province (Lai Châu, today's unit), for the unit page."""
    r = client.get(f"{base}/api/v1/units", params={"q": "Lai Châu", "level": "province"})
    r.raise_for_status()
    items = r.json()
    items = items.get("items", items) if isinstance(items, dict) else items
    return int(items[0]["id"])


class Server:
    """`tinhso serve` in a child process; timed from start to ready and on its first page."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = shutil.which("tinhso", path=str(Path(sys.executable).parent)) or "tinhso"
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [exe, "serve", "--port", str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        self.ready_s = time.perf_counter() - self.t0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def login(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


class Meter:
    """Counts the bytes a page received over the network (CDP Network events)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.requests = 0
        self.urls: dict[str, str] = {}
        self.by_url: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._done)

    def _sent(self, e: dict[str, Any]) -> None:
        self.urls[e["requestId"]] = e["request"]["url"]

    def _done(self, e: dict[str, Any]) -> None:
        n = int(e.get("encodedDataLength", 0))
        self.bytes += n
        self.requests += 1
        url = self.urls.get(e["requestId"], "?")
        self.by_url[url] = self.by_url.get(url, 0) + n

    def reset(self) -> None:
        self.bytes, self.requests, self.by_url = 0, 0, {}


def visit(page: Any, meter: Meter, url: str) -> tuple[int, int]:
    """Open a page, wait until the network is quiet; return (bytes, responses)."""
    meter.reset()
    page.goto(url, wait_until="networkidle")
    return meter.bytes, meter.requests


def measure_pages(browser: Any, base: str, unit_id: int) -> list[dict[str, Any]]:
    out = []
    for name, path in pages(unit_id):
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        meter = Meter(context, page)
        if path != "/login":
            login(page, base)
        meter.cdp.send("Network.clearBrowserCache")
        first, n_first = visit(page, meter, base + path)
        repeat, n_repeat = visit(page, meter, base + path)
        context.close()
        out.append(
            {
                "page": name,
                "path": path,
                "first": first,
                "first_requests": n_first,
                "repeat": repeat,
                "repeat_requests": n_repeat,
            }
        )
        print(
            f"{name:<26} first {first / 1024:8.1f} KiB   repeat {repeat / 1024:8.1f} KiB",
            flush=True,
        )
    return out


def measure_polling(browser: Any, base: str, seconds: float) -> dict[str, float]:
    """Leave the 766 page open; return its refreshes' bytes scaled to one hour."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    meter = Meter(context, page)
    login(page, base)
    page.goto(f"{base}/services", wait_until="networkidle")
    meter.reset()
    page.wait_for_timeout(seconds * 1000)
    polled = sum(n for url, n in meter.by_url.items() if "/services" in url)
    refreshes = meter.requests
    context.close()
    per_hour = polled * 3600 / seconds
    print(
        f"polling: {refreshes} refreshes, {polled} B in {seconds:.0f} s → {per_hour / 2**20:.2f} MiB/h"
    )
    return {"seconds": seconds, "refreshes": refreshes, "bytes": polled, "per_hour": per_hour}


def first_services(base: str) -> dict[str, float]:
    """Return the time of the first /services request after start-up (signed in over httpx)."""
    with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as c:
        c.get("/login")
        token = c.cookies.get("tinhso_login_csrf") or ""
        c.post("/login", data={"username": USER, "password": PASSWORD, "login_csrf": token})
        t = time.perf_counter()
        r = c.get("/services")
        first = time.perf_counter() - t
        r.raise_for_status()
        t = time.perf_counter()
        c.get("/services").raise_for_status()
        second = time.perf_counter() - t
    return {"first_s": first, "second_s": second}


def kib(n: float) -> str:
    return f"{n / 1024:,.1f}"


def table(now: dict[str, Any], before: dict[str, Any] | None) -> str:
    rows = []
    if before:
        head = "| page | first visit, before (KiB) | first visit, after (KiB) | repeat visit, before (KiB) | repeat visit, after (KiB) |"
        rows.append(head)
        rows.append("|---|---|---|---|---|")
        old = {p["path"]: p for p in before["pages"]}
        for p in now["pages"]:
            o = old.get(p["path"])
            rows.append(
                f"| {p['page']} (`{p['path']}`) | {kib(o['first']) if o else '—'} | {kib(p['first'])} "
                f"| {kib(o['repeat']) if o else '—'} | {kib(p['repeat'])} |"
            )
    else:
        rows.append("| page | first visit (KiB) | requests | repeat visit (KiB) | requests |")
        rows.append("|---|---|---|---|---|")
        for p in now["pages"]:
            rows.append(
                f"| {p['page']} (`{p['path']}`) | {kib(p['first'])} | {p['first_requests']} "
                f"| {kib(p['repeat'])} | {p['repeat_requests']} |"
            )
    lines = ["\n".join(rows), ""]

    def poll(d: dict[str, Any]) -> str:
        p = d["polling"]
        return (
            f"{p['per_hour'] / 2**20:,.2f} MiB/h ({p['refreshes']} refreshes, "
            f"{p['bytes']:,} B in {p['seconds']:.0f} s)"
        )

    def start(d: dict[str, Any]) -> str:
        s = d["startup"]
        return (
            f"ready {s['ready_s']:.2f} s; first `/services` {s['first_s']:.2f} s, "
            f"second {s['second_s']:.2f} s"
        )

    if before:
        lines.append(f"- 766 page left open, polling: before {poll(before)}; after {poll(now)}.")
        lines.append(f"- Start-up: before {start(before)}; after {start(now)}.")
        lines.append(
            f"- Before: commit {before.get('commit', '?')}; after: commit {now['commit']}."
        )
    else:
        lines.append(f"- 766 page left open, polling: {poll(now)}.")
        lines.append(f"- Start-up: {start(now)}.")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--poll-seconds", type=float, default=60)
    ap.add_argument("--baseline", type=Path, default=BASELINE)
    ap.add_argument("--save", type=Path, help="write the figures as JSON (a later baseline)")
    ap.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ensure_demo()
    figures: dict[str, Any] = {"commit": git_rev()}
    server = Server()
    try:
        startup = first_services(server.base)
        figures["startup"] = {"ready_s": server.ready_s, **startup}
        print(f"start-up: {figures['startup']}", flush=True)
        with httpx.Client() as c:
            c.get(f"{server.base}/login")
            token = c.cookies.get("tinhso_login_csrf") or ""
            c.post(
                f"{server.base}/login",
                data={"username": USER, "password": PASSWORD, "login_csrf": token},
            )
            unit_id = province_id(server.base, c)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            figures["pages"] = measure_pages(browser, server.base, unit_id)
            figures["polling"] = measure_polling(browser, server.base, args.poll_seconds)
            browser.close()
    finally:
        server.stop()
    if args.save:
        args.save.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
    before = None
    if (
        args.baseline
        and args.baseline.exists()
        and (args.save is None or args.baseline.resolve() != args.save.resolve())
    ):
        before = json.loads(args.baseline.read_text(encoding="utf-8"))
    body = (
        f"Commit {figures['commit']}. `python bench/pages.py --poll-seconds {args.poll_seconds:.0f}` "
        "over the demo database (SQLite), signed in as admin, Chromium 1280×800; bytes as "
        "transferred (headers and body).\n\n" + table(figures, before)
    )
    print(body)
    if not args.no_record:
        append_results("Pages: weight, caching and polling (bench/pages.py)", body)


if __name__ == "__main__":
    main()
