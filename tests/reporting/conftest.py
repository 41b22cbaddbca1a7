"""Reporting fixtures: the catalog's two forms loaded into the small world."""

from __future__ import annotations

import pytest

from tests.world import World
from tinhso.accounts.scope import SYSTEM_PRINCIPAL
from tinhso.audit.service import Actor, bind_actor
from tinhso.reporting.forms import form_files, load_forms


def load_catalog_forms(world: World) -> None:
    """Load the catalog's two reporting forms (catalog/forms/bc-cds-*.yaml) into the world's
    database; the DTI forms need the indicator catalog and are loaded by the tests using it."""
    with world.db.session() as s:
        bind_actor(s, Actor(name="test-setup", client="test"))
        paths = [p for p in form_files() if p.name.startswith("bc-cds-")]
        load_forms(s, principal=SYSTEM_PRINCIPAL, paths=paths)


@pytest.fixture
def forms(world: World) -> World:
    """The world with the monthly commune form and the quarterly department form."""
    load_catalog_forms(world)
    return world
