"""the audit log's head row always exists; login attempts name the trusted device they came with

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:00:00

Written by hand. ``audit_head`` was created by the first write to the log, so a database without
the row looked like one that had never changed: deleting the whole log together with the head row
passed ``tinhso audit verify``. The row is now made here for a log that has never been written, so
that a missing head is never a normal state (a log with entries and no head was cut: it is left as
it is, for ``tinhso audit verify`` to report). ``login_attempt.device`` keeps the device cookie an
attempt came with, so that failures through one device are counted against that device.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    """Upgrade schema."""
    conn = op.get_bind()
    no_head = conn.execute(sa.text("SELECT count(*) FROM audit_head")).scalar() == 0
    no_log = conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() == 0
    if no_head and no_log:
        conn.execute(
            sa.text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, :h)"),
            {"h": GENESIS},
        )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_login_attempt_device"), ["device"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempt_device"))
        batch_op.drop_column("device")
