"""How many memberships each organisation has, kept by the database.

``organisations.member_count`` is counted once here, then triggers on ``memberships``
keep it (a membership added, removed, or moved to another organisation), whatever makes
the change. The people report's headcount adds up a few of these instead of counting an
index of thousands of memberships on every page.

Revision ID: core_0008
Revises: core_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None

ADD = "UPDATE organisations SET member_count = member_count + 1 WHERE id"
TAKE = "UPDATE organisations SET member_count = member_count - 1 WHERE id"
TRIGGERS = ("memberships_count_insert", "memberships_count_delete", "memberships_count_move")


def _upgrade_sqlite():
    op.execute(
        "CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships "
        f"BEGIN {ADD} = NEW.organisation_id; END"
    )
    op.execute(
        "CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships "
        f"BEGIN {TAKE} = OLD.organisation_id; END"
    )
    op.execute(
        "CREATE TRIGGER memberships_count_move AFTER UPDATE OF organisation_id ON memberships "
        "WHEN NEW.organisation_id IS NOT OLD.organisation_id "
        f"BEGIN {TAKE} = OLD.organisation_id; {ADD} = NEW.organisation_id; END"
    )


def _upgrade_postgresql():
    op.execute(
        f"""
        CREATE FUNCTION lms_membership_counted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {TAKE} = OLD.organisation_id; END IF;
            IF TG_OP <> 'DELETE' THEN {ADD} = NEW.organisation_id; END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER memberships_count_insert AFTER INSERT OR DELETE ON memberships "
        "FOR EACH ROW EXECUTE FUNCTION lms_membership_counted()"
    )
    op.execute(
        "CREATE TRIGGER memberships_count_move AFTER UPDATE OF organisation_id ON memberships "
        "FOR EACH ROW WHEN (NEW.organisation_id IS DISTINCT FROM OLD.organisation_id) "
        "EXECUTE FUNCTION lms_membership_counted()"
    )


def upgrade():
    op.add_column(
        "organisations",
        sa.Column("member_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE organisations SET member_count = "
        "(SELECT count(*) FROM memberships WHERE memberships.organisation_id = organisations.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        if postgresql and name == "memberships_count_delete":
            continue  # one trigger counts inserts and deletes there
        op.execute(f"DROP TRIGGER {name} ON memberships" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION lms_membership_counted()")
    op.drop_column("organisations", "member_count")
