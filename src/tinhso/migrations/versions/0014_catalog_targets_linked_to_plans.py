"""catalog targets linked to the plan that set them (its number and notation, the target's code
and wording there)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:33:15

Generated from the models (tinhso.indicators.models.Target) and read; existing targets get ''.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan", sa.String(length=60), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("code", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("name", sa.String(length=400), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_target_plan"), ["plan"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_plan"))
        batch_op.drop_column("name")
        batch_op.drop_column("code")
        batch_op.drop_column("plan")
