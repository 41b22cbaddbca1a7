"""how often an index is assessed; the department in charge of a report form

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00

Written by hand: ``composite_index.period_type`` (the periods the indicators page offers) and
``report_form.in_charge_id`` (the agency whose officers read and approve the form's reports).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("composite_index", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("period_type", sa.String(length=12), nullable=False, server_default="yearly")
        )
    with op.batch_alter_table("report_form", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_charge_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_report_form_in_charge_id_agency"), "agency", ["in_charge_id"], ["id"]
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("report_form", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_report_form_in_charge_id_agency"), type_="foreignkey"
        )
        batch_op.drop_column("in_charge_id")
    with op.batch_alter_table("composite_index", schema=None) as batch_op:
        batch_op.drop_column("period_type")
