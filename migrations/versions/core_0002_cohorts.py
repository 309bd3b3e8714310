"""cohorts: enrolment status changes (withdraw, defer), bulk enrolment uploads

Revision ID: core_0002_cohorts
Revises: core_0001
Create Date: 2026-11-25 11:07:40.047712

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0002_cohorts'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bulk_enrolment_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_bulk_enrolment_uploads_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], name=op.f('fk_bulk_enrolment_uploads_applied_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_bulk_enrolment_uploads_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_enrolment_uploads'))
    )
    op.create_index(op.f('ix_bulk_enrolment_uploads_cohort_id'), 'bulk_enrolment_uploads', ['cohort_id'], unique=False)

    op.add_column('enrolments', sa.Column('status_changed_at', sa.DateTime(), nullable=True))
    op.add_column('enrolments', sa.Column('status_reason', sa.String(length=300), nullable=True))
    # Informational, so no foreign key: SQLite could only add one by rebuilding the table.
    op.add_column('enrolments', sa.Column('deferred_to_id', sa.Integer(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), again so the enrolments table is never rebuilt.
    op.drop_column('enrolments', 'deferred_to_id')
    op.drop_column('enrolments', 'status_reason')
    op.drop_column('enrolments', 'status_changed_at')

    op.drop_index(op.f('ix_bulk_enrolment_uploads_cohort_id'), table_name='bulk_enrolment_uploads')
    op.drop_table('bulk_enrolment_uploads')
