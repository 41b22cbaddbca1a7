"""The analytics copy follows what it holds of the register, not every audited change: a new
API token moves the audit log's head but re-derives no dossier and recomputes no figure; a
renamed agency does both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.services import data
from tests.world import World
from tinhso.accounts import service as accounts
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.indicators import lake as ilake
from tinhso.lake import Lake
from tinhso.services import qd766
from tinhso.services.catalog import load_catalog
from tinhso.services.periods import parse_period
from tinhso.units.models import Agency
from tinhso.workdays import WorkCalendar


@pytest.fixture
def lake(world: World, tmp_path: Path) -> Iterator[Lake]:
    data.load(world)
    lk = Lake(world.db, tmp_path / "lake.duckdb", WorkCalendar.load())
    lk.sync()
    ilake.sync(lk)
    yield lk
    lk.close()


def test_an_audited_change_outside_the_register_keeps_the_copy(
    lake: Lake, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = load_catalog()
    period = parse_period("2025")
    before = qd766.figures_version(lake, catalog, period)
    fp, ind_fp = lake.states()["dims_fp"], lake.states()["ind_dims_fp"]
    rederived: list[int] = []
    real = Lake._rederive
    monkeypatch.setattr(Lake, "_rederive", lambda self: (rederived.append(1), real(self)))
    with world.db.session() as s:  # an audited change the copy does not hold
        accounts.issue_token(
            s, principal=SYSTEM_PRINCIPAL, user_id=world.users["admin"], name="khác"
        )
    lake.sync()
    ilake.sync(lake)
    st = lake.states()
    assert st["dims"] == st["ind_dims"] and st["dims"] > 0  # the head was seen
    assert (st["dims_fp"], st["ind_dims_fp"]) == (fp, ind_fp)
    assert rederived == []
    assert qd766.figures_version(lake, catalog, period) == before

    with world.db.session() as s:  # an audited change of what the copy holds
        agency = s.scalars(select(Agency).where(Agency.id == world.agencies["so_khcn"])).one()
        agency.name = agency.name + " (đổi tên)"
    lake.sync()
    ilake.sync(lake)
    st = lake.states()
    assert st["dims_fp"] != fp and st["ind_dims_fp"] != ind_fp
    assert rederived == [1]
    assert qd766.figures_version(lake, catalog, period) != before
