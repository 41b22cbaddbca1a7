"""Each role is offered only what it can do: upload pages (dossiers, villages, Excel reports)
appear in the navigation and on the home page for those who have somewhere to send them, and
the pages themselves refuse the others before any file is chosen."""

from __future__ import annotations

import pytest

from tests.reporting.conftest import load_catalog_forms
from tests.web.test_pages import login
from tests.world import PASSWORD, World
from tinhso.accounts import service as accounts
from tinhso.accounts.scope import SYSTEM_PRINCIPAL

pytestmark = pytest.mark.browser

# user: (dossiers, villages, reports)
CAN = {
    "viewer15": (False, False, False),
    "leader12": (False, False, False),
    "analyst12": (False, False, False),
    "officer_so": (True, False, True),  # an agency: its dossiers and reports, no village
    "officer_dk": (True, True, True),
    "admin": (True, True, True),
}
PAGES = {"dossiers": "/services/upload", "villages": "/units-import", "reports": "/reporting/excel"}


@pytest.mark.parametrize("username", list(CAN))
def test_uploads_are_offered_to_those_who_can(
    device, server: str, world: World, username: str
) -> None:  # type: ignore[no-untyped-def]
    if username == "analyst12":
        with world.db.session() as s:
            accounts.create_user(
                s,
                principal=SYSTEM_PRINCIPAL,
                username=username,
                role="analyst",
                password=PASSWORD,
                full_name="Chuyên viên",
                scopes=[accounts.ScopeRoot(unit_id=world.units["lai_chau"])],
            )
    load_catalog_forms(world)
    login(device, server, username)
    expected = dict(zip(PAGES, CAN[username], strict=True))
    for what, path in PAGES.items():
        links = device.locator(f"header a[href='{path}'], .tiles a[href='{path}']").count()
        if what != "reports":  # the Excel page is reached from the reporting page
            assert (links > 0) == expected[what], (what, links)
    device.goto(f"{server}/reporting")
    assert (device.locator("a[href='/reporting/excel']").count() > 0) == expected["reports"]
    for what, path in PAGES.items():
        response = device.goto(f"{server}{path}")
        if expected[what]:
            assert response.status == 200 and device.locator("input[type=file]").count() == 1
        else:
            assert response.status == 403, (what, response.status)
            assert device.locator("input[type=file]").count() == 0
            assert "không" in device.locator("[role=alert]").inner_text()
