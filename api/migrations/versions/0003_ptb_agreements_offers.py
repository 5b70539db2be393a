"""PTB agreements with their changes of circumstances, and stored offers reports of plans.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('ptb_agreements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('policy_version', sa.String(length=200), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ptb_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ptb_agreements_application_id'), ['application_id'], unique=False)
    op.create_table('ptb_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('reported', sa.Date(), nullable=False),
    sa.Column('annual_pence', sa.BigInteger(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('difference_pence', sa.BigInteger(), nullable=False),
    sa.Column('to_repay_pence', sa.BigInteger(), nullable=False),
    sa.Column('workings', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['ptb_agreements.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ptb_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ptb_changes_agreement_id'), ['agreement_id'], unique=False)
    op.create_table('plan_offers',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('policy_version', sa.String(length=200), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ),
    sa.PrimaryKeyConstraint('plan_id')
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table('plan_offers')
    with op.batch_alter_table('ptb_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ptb_changes_agreement_id'))
    op.drop_table('ptb_changes')
    with op.batch_alter_table('ptb_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ptb_agreements_application_id'))
    op.drop_table('ptb_agreements')
