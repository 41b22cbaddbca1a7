"""the provinces' published national ranks (DTI, 766) shown on the operations centre

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:25:00

Generated from the models (tinhso.ioc.models.NationalRank) and read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ioc_national_rank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=12), nullable=False),
        sa.Column("province_code", sa.String(length=10), nullable=False),
        sa.Column("province_name", sa.String(length=120), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("of", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ioc_national_rank")),
        sa.UniqueConstraint("index", "period", "province_code", name="uq_ioc_national_rank"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("ioc_national_rank")
