"""sample: notes table

Revision ID: sample_0001
Revises:
Create Date: 2026-11-25 10:40:00

The first revision of the sample plugin's own Alembic branch. Written by hand to match
tests/plugins/sample/models.py (Flask-Migrate cannot set ``depends_on``).
"""

import sqlalchemy as sa
from alembic import op

revision = "sample_0001"
down_revision = None
branch_labels = ("sample",)
depends_on = ("core_0001",)


def upgrade():
    op.create_table(
        "sample_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sample_notes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_notes")),
    )
    op.create_index(op.f("ix_sample_notes_user_id"), "sample_notes", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_sample_notes_user_id"), table_name="sample_notes")
    op.drop_table("sample_notes")
