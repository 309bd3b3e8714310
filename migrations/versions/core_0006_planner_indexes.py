"""Indexes the query planner reads well: a cohort's places by status (counted from the
index alone), only the reflections shared with a cohort (most are private, and an index
mostly of NULLs would tell the planner with statistics to read every reflection), and
certificates by the day they were issued (the lists of them, latest first).

Revision ID: core_0006
Revises: core_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


SHARED = "ix_reflections_shared_with_cohort_id"
ONLY_SHARED = sa.text("shared_with_cohort_id IS NOT NULL")


def upgrade():
    op.create_index("ix_enrolments_cohort_id_status", "enrolments", ["cohort_id", "status"])
    op.drop_index("ix_enrolments_cohort_id", table_name="enrolments")
    op.drop_index(SHARED, table_name="reflections")
    op.create_index(
        SHARED,
        "reflections",
        ["shared_with_cohort_id"],
        sqlite_where=ONLY_SHARED,
        postgresql_where=ONLY_SHARED,
    )
    op.create_index("ix_certificates_issued_at", "certificates", ["issued_at", "id"])


def downgrade():
    op.drop_index("ix_certificates_issued_at", table_name="certificates")
    op.drop_index(SHARED, table_name="reflections")
    op.create_index(SHARED, "reflections", ["shared_with_cohort_id"])
    op.create_index("ix_enrolments_cohort_id", "enrolments", ["cohort_id"])
    op.drop_index("ix_enrolments_cohort_id_status", table_name="enrolments")
