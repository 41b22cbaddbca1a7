"""Helpers of the reporting tests: principals, a snapshot of what reporting stores."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.world import World
from tinhso.accounts import service as accounts
from tinhso.accounts.models import User
from tinhso.accounts.scope import Principal
from tinhso.audit.service import Actor, bind_actor
from tinhso.models import ChangeCounter, DataValue, DataValueHistory, Submission

XA = "BC-CDS-XA-THANG"
SO = "BC-CDS-SO-QUY"


def principal(s: Session, world: World, username: str) -> Principal:
    """Return the principal of a world user."""
    user = s.get(User, world.users[username])
    assert user is not None
    bind_actor(s, Actor(name=username, user_id=user.id, client="test"))
    return accounts.principal_for(s, user)


@contextmanager
def acting(world: World, username: str) -> Iterator[tuple[Session, Principal]]:
    """Yield a committing session and the user's principal."""
    with world.db.session() as s:
        yield s, principal(s, world, username)


def reporting_state(world: World) -> str:
    """Return a hash of the values, their history, submissions and the change counter."""
    h = hashlib.sha256()
    with world.db.session() as s:
        for model in (DataValue, DataValueHistory, Submission):
            for row in s.scalars(select(model).order_by(model.id)):  # type: ignore[attr-defined]
                cols = {c.key: getattr(row, c.key) for c in row.__table__.columns}  # type: ignore[attr-defined]
                h.update(repr(sorted(cols.items())).encode())
        for row in s.scalars(select(ChangeCounter).order_by(ChangeCounter.name)):
            h.update(repr((row.name, row.value)).encode())
    return h.hexdigest()


def binh_lu_template(world: World) -> bytes:
    """Return a filled template of Xã Bình Lư for July 2025 (made by the system)."""
    from tests.reporting.excel import fill
    from tinhso.accounts.scope import SYSTEM_PRINCIPAL
    from tinhso.reporting import orgs, workbook
    from tinhso.reporting.forms import get_form
    from tinhso.reporting.periods import parse_report_period

    with world.db.session() as s:
        org = orgs.resolve(s, SYSTEM_PRINCIPAL, key=f"u-{world.units['binh_lu']}")
        tpl = workbook.build_template(
            s,
            principal=SYSTEM_PRINCIPAL,
            form=get_form(s, XA),
            period=parse_report_period("2025-07"),
            targets=[org],
        )
    return fill(tpl, {"03390": {"XA_TO_CNS_TONG": 3}})
