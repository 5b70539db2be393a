"""Plans have names: ``plans.name`` (nullable; a planner sets it, the pages show it with the cost).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable name column."""
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("name")
