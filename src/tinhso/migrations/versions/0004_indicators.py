"""indicators: catalog sources, indicators, composite indices and their nodes, targets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:50:00

Written by hand (see docs/adding-a-domain.md): 0005 (reporting) follows it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tinhso.db import TZDateTime

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "catalog_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", TZDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_source")),
        sa.UniqueConstraint("name", name=op.f("uq_catalog_source_name")),
    )
    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("numerator", sa.Text(), nullable=False),
        sa.Column("denominator", sa.Text(), nullable=False),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("catalog", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_code")),
    )
    op.create_table(
        "composite_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("normalise", sa.Float(), nullable=False),
        sa.Column("missing", sa.String(length=12), nullable=False),
        sa.Column("catalog", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_composite_index")),
        sa.UniqueConstraint("code", name=op.f("uq_composite_index_code")),
    )
    op.create_table(
        "index_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=12), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["index_id"],
            ["composite_index.id"],
            name=op.f("fk_index_node_index_id_composite_index"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["index_node.id"],
            name=op.f("fk_index_node_parent_id_index_node"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_index_node_indicator_id_indicator")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_node")),
        sa.UniqueConstraint("index_id", "code", name="uq_index_node_code"),
    )
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Float(), nullable=False),
        sa.Column("catalog", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_target_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_target_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
    )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index("ix_target_lookup", ["indicator_id", "year"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index("ix_target_lookup")
    op.drop_table("target")
    op.drop_table("index_node")
    op.drop_table("composite_index")
    op.drop_table("indicator")
    op.drop_table("catalog_source")
