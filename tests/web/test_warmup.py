"""Start-up warm-up: the analytics copy and the year's 766 counts are ready before anyone asks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.services import data
from tests.world import World
from tinhso.app import create_app
from tinhso.config import Settings
from tinhso.fmt import local_today


def test_start_up_warms_the_first_pages_in_the_background(world: World, settings: Settings) -> None:
    data.load(world)
    app = create_app(settings.model_copy(update={"warm_up": True}), db=world.db)
    assert app.state.lake is None
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200  # ready at once, not after the warm-up
        assert app.state.warmed.wait(60)
        lake = app.state.lake
        assert lake is not None and app.state.catalog is not None
        with lake.lock:
            state = dict(lake.cursor().execute("SELECT key, value FROM lake_state").fetchall())
        assert state["qd766_year"] == local_today().year
        assert state["qd766_seq"] == state["dossier_seq"] > 0  # synced, then counted


def test_no_warm_up_when_turned_off(world: World, settings: Settings) -> None:
    app = create_app(settings, db=world.db)
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
        assert getattr(app.state, "warmed", None) is None and app.state.lake is None
