"""The walk: every page as each demo role that can open it, on a desktop and a phone.

One demo province per backend (the national register, Lai Châu's villages, agencies, users,
a year of dossiers and reports), built once for the session and served by a real server; one
signed-in Chromium context per role and screen. On every page: no server error, no console
error (the Content-Security-Policy included, the charts' tooltips hovered), no error message
on the page, nothing wider than a 390 px phone, no English words in what a person reads. A
screenshot of each page and screen is kept in test-artifacts/walk/.

An upload page is checked, for a role with nowhere to send a file, to be neither linked nor
given a file field (the refusal itself is in tests/web/test_roles.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from tests.conftest import PgServer, fresh_database
from tests.web.conftest import ARTIFACTS, _free_port
from tinhso.accounts.models import User
from tinhso.app import create_app
from tinhso.config import Settings
from tinhso.db import Database
from tinhso.demo.generate import DEMO_PASSWORD, build_demo
from tinhso.fmt import local_today
from tinhso.units.models import Unit

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}
ROLES = ("admin", "lanhdao", "canbo.so", "canbo.xa", "antt", "xem")
# Words of an English interface that must not reach a Vietnamese page (whole words, as cased).
ENGLISH = re.compile(
    r"\b(Error|error|Exception|Traceback|Not Found|Forbidden|Unauthorized|Internal Server"
    r"|undefined|NaN|None|null|True|False|Submit|Loading|Search|Login|Logout|Sign in"
    r"|Password|Username|Dashboard|Settings|Home|Next|Previous|Cancel|Delete|Save)\b"
)

# (name, path): {…} is filled from the demo; a path starting with "@" is found on a page.
PAGES: tuple[tuple[str, str], ...] = (
    ("home", "/"),
    ("home-2025", "/?period=2025&rank=services.on_time&layer=services.on_time"),
    ("alerts", "/alerts"),
    ("wall", "/ioc/wall"),
    ("public", "/cong-khai"),
    ("services", "/services"),
    ("dossier", "@late-dossier"),
    ("indicators", "/indicators"),
    ("units", "/units"),
    ("province", "/units/{province}"),
    ("commune", "/units/{commune}"),
    ("reporting", "/reporting"),
    ("entry", "@report-entry"),
    ("completeness", "/reporting/completeness"),
    ("excel", "/reporting/excel"),
    ("dossier-upload", "/services/upload"),
    ("village-upload", "/units-import"),
    ("infrastructure", "/infrastructure"),
    ("infra-commune", "/infrastructure?unit=03388"),
    ("white-spots", "/infrastructure/white-spots"),
    ("infra-upload", "/infrastructure/import"),
    ("tasks", "/tasks"),
    ("tasks-2023", "/tasks?year=2023"),
    ("task", "@task"),
    ("tasks-overdue", "/tasks/overdue"),
    ("users", "/admin/users"),
    ("user", "/admin/users/{user}"),
)
ADMIN_ONLY = {"users", "user"}
UPLOAD_PAGES = {"dossier-upload", "village-upload", "excel", "infra-upload"}
# Pages of an area's villages: an agency's officer has none (no link, a refusal with a reason).
AREA_PAGES = {"infrastructure", "infra-commune", "white-spots"}

# Who may open an upload page (the others are offered no link to it and refused with a
# reason, tests/web/test_roles.py): the department's officer has no unit to send villages for.
UPLOADERS = {
    "dossier-upload": {"admin", "canbo.so", "canbo.xa"},
    "village-upload": {"admin", "canbo.xa"},
    "excel": {"admin", "canbo.so", "canbo.xa"},  # those who report
    "infra-upload": {"admin", "canbo.xa"},  # those who send data for an area of their own
}


@dataclass
class Demo:
    """A served demo province and the signed-in browser contexts of its roles."""

    backend: str
    base: str
    ids: dict[str, int]
    contexts: dict[tuple[str, str], Any] = field(default_factory=dict)
    found: dict[tuple[str, str], str | None] = field(default_factory=dict)


def _serve(settings: Settings, db: Database) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db=db), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the walk's server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest,
    browser: Any,
    templates: dict[str, str],
    pg_server: PgServer | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Demo]:
    work = tmp_path_factory.mktemp(f"walk-{request.param}")
    url, pg_name = fresh_database(request.param, templates, pg_server, work)
    db = Database(url)
    with db.session() as s:
        build_demo(s, work=work, dossiers_per_year=4000)
    with db.session() as s:
        province = s.scalars(
            select(Unit).where(Unit.code == "12", Unit.level == "province", Unit.valid_to.is_(None))
        ).one()
        commune = s.scalars(
            select(Unit).where(
                Unit.code == "03388", Unit.level == "commune", Unit.valid_to.is_(None)
            )
        ).one()
        user = s.scalars(select(User).where(User.username == "canbo.xa")).one()
        ids = {"province": province.id, "commune": commune.id, "user": user.id}
    settings = Settings(var_dir=work / "var", database_url=url)  # warm-up on, as in production
    server, thread, base = _serve(settings, db)
    walk = Demo(backend=request.param, base=base, ids=ids)
    yield walk
    for context in walk.contexts.values():
        context.close()
    server.should_exit = True
    thread.join(timeout=15)
    db.dispose()
    if pg_name and pg_server is not None:
        pg_server.drop(pg_name)


def _context(demo: Demo, browser: Any, role: str, screen: str) -> Any:
    key = (role, screen)
    if key not in demo.contexts:
        context = browser.new_context(locale="vi-VN", viewport=SCREENS[screen])
        page = context.new_page()
        page.goto(f"{demo.base}/login")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/login" not in page.url, f"{role} could not sign in"
        page.close()
        demo.contexts[key] = context
    return demo.contexts[key]


def _find(demo: Demo, context: Any, role: str, what: str) -> str | None:
    """Return a path found on a page as this role: one of its late dossiers, one of its reports."""
    if (role, what) not in demo.found:
        page = context.new_page()
        if what == "@late-dossier":
            # The whole year, so that a commune with few dossiers has a late one to open.
            year = local_today().year
            page.goto(f"{demo.base}/services?period={year}", wait_until="domcontentloaded")
            links = page.locator("table.late a[href^='/dossiers/']")
        elif what == "@task":
            page.goto(f"{demo.base}/tasks", wait_until="domcontentloaded")
            links = page.locator("#tasks a[href^='/tasks/']")
        else:
            page.goto(f"{demo.base}/reporting", wait_until="domcontentloaded")
            links = page.locator("a[href^='/reporting/entry/']")
        demo.found[(role, what)] = links.first.get_attribute("href") if links.count() else None
        page.close()
    return demo.found[(role, what)]


def _hover_charts(page: Any) -> None:
    for selector in ("#trend", "#main-chart"):
        if not page.locator(selector).count():
            continue
        chart = page.locator(f"{selector} canvas")
        chart.first.wait_for(timeout=10_000)
        chart.first.scroll_into_view_if_needed()
        box = chart.first.bounding_box()
        if not box:
            continue
        for i in range(1, 10):
            page.mouse.move(box["x"] + box["width"] * i / 10, box["y"] + box["height"] / 2)
            page.wait_for_timeout(30)


def _cases() -> list[Any]:
    out = []
    for role in ROLES:
        for name, path in PAGES:
            if name in ADMIN_ONLY and role != "admin":
                continue
            if name == "commune" and role == "canbo.so":  # an agency's officer: no commune
                continue
            if name in AREA_PAGES and role == "canbo.so":
                continue
            out.append(pytest.param(role, name, path, id=f"{role}-{name}"))
    return out


@pytest.mark.parametrize(("role", "name", "path"), _cases())
def test_walk(demo: Demo, browser: Any, role: str, name: str, path: str) -> None:
    problems: list[str] = []
    for screen in SCREENS:
        context = _context(demo, browser, role, screen)
        target = (
            _find(demo, context, role, path) if path.startswith("@") else path.format(**demo.ids)
        )
        if target is None:
            pytest.skip(f"no {path[1:]} for {role} in the demo")
        if name in UPLOAD_PAGES and role not in UPLOADERS[name]:
            problems += _not_offered(demo, context, role, target)
            continue
        problems += _visit(demo, context, role, name, screen, target)
    assert problems == []


def _visit(demo: Demo, context: Any, role: str, name: str, screen: str, target: str) -> list[str]:
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"script error: {e}"))
    try:
        response = page.goto(demo.base + target, wait_until="load")
        _hover_charts(page)
        ARTIFACTS.joinpath("walk").mkdir(parents=True, exist_ok=True)
        shot = Path(ARTIFACTS / "walk" / f"{demo.backend}-{role}-{name}-{screen}.png")
        page.screenshot(path=str(shot), full_page=True)
        where = f"{role} {screen} {target}"
        out = []
        if response is None or response.status >= 400:
            out.append(f"{where}: HTTP {response.status if response else '?'}")
        out += [f"{where}: console: {c[:160]}" for c in console]
        alerts = [t for t in page.locator("p.alert").all_inner_texts() if t.strip()]
        out += [f"{where}: error shown: {a[:160]}" for a in alerts]
        if screen == "phone":
            width, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width > view + 1:
                out.append(f"{where}: {width}px wide on a {view}px screen")
            logout = page.locator("form[action='/logout'] button")
            if logout.count():
                toggle = page.locator(".nav-toggle")
                if toggle.count() and toggle.is_visible():
                    toggle.click()
                box = logout.bounding_box()
                if box is None or box["x"] + box["width"] > view + 1:
                    out.append(f"{where}: 'Đăng xuất' is out of reach")
        text = page.locator("body").inner_text()
        out += [f"{where}: English: {w}" for w in sorted(set(ENGLISH.findall(text)))]
        return out
    finally:
        page.close()


def _not_offered(demo: Demo, context: Any, role: str, target: str) -> list[str]:
    """A role that cannot upload is neither shown the link nor given the form."""
    page = context.new_page()
    try:
        page.goto(demo.base + "/", wait_until="domcontentloaded")
        out = []
        if page.locator(f"a[href='{target}']").count():
            out.append(f"{role}: the home page offers {target}")
        response = page.goto(demo.base + target, wait_until="domcontentloaded")
        if (
            response is not None
            and response.status < 400
            and page.locator("input[type=file]").count()
        ):
            out.append(f"{role}: {target} offers a file upload the role cannot make")
        return out
    finally:
        page.close()


def test_the_demo_reads_like_seed_000_in_october_2023(demo: Demo, browser: Any) -> None:
    """Seed 000 (Lai Châu, October 2023): "97% thôn/bản" with mobile coverage, "25 bản chưa có
    điện", "166 bản chưa có mạng băng rộng cố định" (the demo: 164), "41,5%" of households with
    fibre and "1.046/1.055 tổ": the leader's infrastructure page as of 1 October 2023 reads so,
    on the villages, communes and districts of the time."""
    for screen in SCREENS:
        page = _context(demo, browser, "lanhdao", screen).new_page()
        try:
            page.goto(f"{demo.base}/infrastructure?as_of=2023-10-01", wait_until="load")
            ARTIFACTS.joinpath("walk").mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(ARTIFACTS / "walk" / f"{demo.backend}-seed000-{screen}.png"),
                full_page=True,
            )
            text = page.locator("main").inner_text()
            assert "914/940 (97,2%) thôn được phủ sóng di động" in text
            assert "915/940 (97,3%) thôn có điện lưới quốc gia" in text
            assert "776/940 (82,6%) thôn có hạ tầng cáp quang" in text
            assert "(41,5%) hộ gia đình có đường Internet cáp quang" in text
            assert "1.046/1.055 (99,1%) tổ đã thành lập" in text
            assert "8/8 tổ chỉ đạo cấp huyện" in text and "932/940 tổ công nghệ số" in text
        finally:
            page.close()


def test_the_demo_s_plans_read_like_seeds_004_and_001(demo: Demo, browser: Any) -> None:
    """Seed 004 (2023): "75 nhiệm vụ … 50 nhiệm vụ đã hoàn thành; 19 nhiệm vụ đang thực hiện
    và 06 nhiệm vụ chưa thực hiện"; seed 001: "30 mục tiêu … 10 … 6 … 7 … 7" — the leader's
    tasks page of 2023 reads so, three of the targets set in the catalog for the plan and
    measured by the DTI's indicators on the infrastructure register."""
    page = _context(demo, browser, "lanhdao", "desktop").new_page()
    try:
        page.goto(f"{demo.base}/tasks?year=2023", wait_until="load")
        summary = page.locator("#summary").inner_text()
        assert "75 nhiệm vụ" in summary and "50 nhiệm vụ đã hoàn thành" in summary
        assert "19 nhiệm vụ đang thực hiện" in summary and "06 nhiệm vụ chưa thực hiện" in summary
        targets = page.locator("#targets").inner_text()
        assert (
            "30 chỉ tiêu: 10 chỉ tiêu đã hoàn thành và vượt; 06 chỉ tiêu hoàn thành trên 70%; "
            "07 chỉ tiêu đạt trên 50%; 07 chỉ tiêu thực hiện được dưới 50%"
        ) in targets
        page.locator("#targets summary").click()
        assert (
            page.locator("#targets td", has_text="danh mục ke-hoach-09-KH-BCDCDS-2023").count() == 3
        )
    finally:
        page.close()
