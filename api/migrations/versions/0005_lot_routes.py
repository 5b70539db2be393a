"""A route belongs to at most one live lot: ``lot_routes`` (route id as primary key) records which lot
holds each route; existing live lots are backfilled oldest first, so where two lots shared a route
the older keeps it and the newer lot's operator loses access to it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create lot_routes and fill it from the lots that are not withdrawn."""
    op.create_table(
        "lot_routes",
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"]),
        sa.ForeignKeyConstraint(["route_id"], ["routes.id"]),
        sa.PrimaryKeyConstraint("route_id"),
    )
    with op.batch_alter_table("lot_routes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_routes_lot_id"), ["lot_id"], unique=False)
    conn = op.get_bind()
    lots = sa.table("lots", sa.column("id", sa.Integer), sa.column("status", sa.String),
                    sa.column("route_ids", sa.JSON))
    lot_routes = sa.table("lot_routes", sa.column("route_id", sa.Integer), sa.column("lot_id", sa.Integer))
    held: set[int] = set()
    rows = []
    for lot_id, status, route_ids in conn.execute(sa.select(lots.c.id, lots.c.status, lots.c.route_ids)
                                                  .order_by(lots.c.id)):
        if status == "withdrawn":
            continue
        for rid in route_ids or []:
            if int(rid) not in held:
                held.add(int(rid))
                rows.append({"route_id": int(rid), "lot_id": lot_id})
    if rows:
        op.bulk_insert(lot_routes, rows)


def downgrade() -> None:
    """Drop lot_routes."""
    with op.batch_alter_table("lot_routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_routes_lot_id"))
    op.drop_table("lot_routes")
