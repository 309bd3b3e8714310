"""cohorts: when a bulk enrolment upload's rows of people were deleted

Revision ID: core_0004_bulk_retention
Revises: core_0003
Create Date: 2026-11-25 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0004_bulk_retention'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'bulk_enrolment_uploads', sa.Column('rows_deleted_at', sa.DateTime(), nullable=True)
    )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), so the table is never rebuilt.
    op.drop_column('bulk_enrolment_uploads', 'rows_deleted_at')
