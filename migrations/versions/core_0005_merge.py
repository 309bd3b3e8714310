"""Join the certificates, reports and bulk-upload retention revisions into one line again.

Revision ID: core_0005
Revises: core_0004_certificates, core_0004_reports, core_0004_bulk_retention
"""

revision = "core_0005"
down_revision = ("core_0004_certificates", "core_0004_reports", "core_0004_bulk_retention")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
