"""Reports: an index to list people by name without sorting them all.

Revision ID: core_0004_reports
Revises: core_0003
"""

from alembic import op

revision = "core_0004_reports"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_users_display_name", "users", ["display_name", "id"])


def downgrade():
    op.drop_index("ix_users_display_name", table_name="users")
