"""A long request does not stop the server: imports and checks run off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.world import World

# (route, module whose function the route calls, that function, the request's file and query)
ROUTES = [
    ("/api/v1/dossiers:import", "tinhso.services.service", "ingest_file", "hoso.csv", ""),
    ("/api/v1/procedures:import", "tinhso.services.service", "import_procedures", "tt.csv", ""),
    ("/api/v1/units:import", "tinhso.units.imports", "import_villages", "thon.csv", ""),
    ("/api/v1/agencies:import", "tinhso.units.imports", "import_agencies", "cq.csv", ""),
    (
        "/api/v1/reporting/upload",
        "tinhso.reporting.workbook",
        "import_workbook",
        "mau.xlsx",
        "?form=X&period=2025-Q3",
    ),
]


@pytest.mark.parametrize(("path", "module", "name", "filename", "query"), ROUTES)
def test_a_long_import_does_not_hold_other_requests(
    world: World,
    settings,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    module: str,
    name: str,
    filename: str,
    query: str,
) -> None:
    """While an import works (here: waits, as a 2 GB file would keep it busy), the server still
    answers a health check at once; the import then finishes. Run on the event loop, the import
    would hold every other request until it returned."""
    import importlib

    from tinhso.app import create_app

    release = threading.Event()
    started = threading.Event()

    def slow(*_args: object, **_kwargs: object) -> object:
        started.set()
        release.wait(10)
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(importlib.import_module(module), name, slow)
    if module == "tinhso.reporting.workbook":
        monkeypatch.setattr("tinhso.reporting.routes.get_form", lambda *_a: object())
    app = create_app(settings, db=world.db)
    finished: list[str] = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        ):

            async def importing() -> None:
                await client.post(
                    path + query,
                    files={"file": (filename, b"a,b\n1,2\n")},
                    headers=world.auth("admin"),
                )
                finished.append("import")

            task = asyncio.create_task(importing())
            while not started.is_set():
                await asyncio.sleep(0.01)
            start = time.perf_counter()
            r = await client.get("/healthz")
            finished.append("health")
            assert r.status_code == 200 and time.perf_counter() - start < 5
            release.set()
            await task

    # In a thread of its own: a browser test's event loop may be running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
    assert finished == ["health", "import"]
