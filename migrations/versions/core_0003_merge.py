"""Join the live-sessions and cohorts revisions into one line again.

Revision ID: core_0003
Revises: core_0002_live, core_0002_cohorts
"""

revision = "core_0003"
down_revision = ("core_0002_live", "core_0002_cohorts")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
