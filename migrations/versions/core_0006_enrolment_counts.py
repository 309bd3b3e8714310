"""Enrolments: count a cohort's places by status from an index alone.

Revision ID: core_0006
Revises: core_0005
"""

from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_enrolments_cohort_id_status", "enrolments", ["cohort_id", "status"])
    op.drop_index("ix_enrolments_cohort_id", table_name="enrolments")


def downgrade():
    op.create_index("ix_enrolments_cohort_id", "enrolments", ["cohort_id"])
    op.drop_index("ix_enrolments_cohort_id_status", table_name="enrolments")
