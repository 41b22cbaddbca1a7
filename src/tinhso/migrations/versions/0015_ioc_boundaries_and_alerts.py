"""the operations centre's own: the communes' boundaries for the map, alerts and their history

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:57:31

Generated from the models (tinhso.ioc.models) and read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ioc_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("org", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=14), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ioc_alert")),
        sa.UniqueConstraint("rule", "key", name="uq_ioc_alert_key"),
    )
    with op.batch_alter_table("ioc_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ioc_alert_org"), ["org"], unique=False)
        batch_op.create_index(batch_op.f("ix_ioc_alert_state"), ["state"], unique=False)

    op.create_table(
        "ioc_alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=14), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["ioc_alert.id"], name=op.f("fk_ioc_alert_event_alert_id_ioc_alert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ioc_alert_event")),
    )
    with op.batch_alter_table("ioc_alert_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ioc_alert_event_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "ioc_boundary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_ioc_boundary_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ioc_boundary")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_ioc_boundary_unit_id")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("ioc_boundary")
    with op.batch_alter_table("ioc_alert_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ioc_alert_event_alert_id"))

    op.drop_table("ioc_alert_event")
    with op.batch_alter_table("ioc_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ioc_alert_state"))
        batch_op.drop_index(batch_op.f("ix_ioc_alert_org"))

    op.drop_table("ioc_alert")
