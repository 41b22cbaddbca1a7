"""Reporting fixtures: the catalog's two forms loaded into the small world."""

from __future__ import annotations

import pytest

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit.service import Actor, bind_actor
from tinhso.reporting.forms import form_files, load_forms


def load_catalog_forms(world: World) -> None:
    """Load catalog/forms/*.yaml into the world's database."""
    with world.db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=form_files())


@pytest.fixture
def forms(world: World) -> World:
    """The world with the monthly commune form and the quarterly department form."""
    load_catalog_forms(world)
    return world
