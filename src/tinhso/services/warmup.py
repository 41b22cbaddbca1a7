"""What the public-services pages need first, made ready at start-up (see web/warmup.py)."""

from __future__ import annotations

from typing import Any

from tinhso.fmt import local_today
from tinhso.services import qd766
from tinhso.web.deps import catalog_of, lake_of


def warm_up(app: Any) -> None:
    """Open the analytics copy, bring it up to date and count the current year's 766 figures."""
    lake = lake_of(app)
    catalog = catalog_of(app)
    with lake.lock:
        qd766.current(lake, catalog, local_today().year)
