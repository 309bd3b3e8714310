"""A version for what the reports show of each person, kept by the database.

``users.record_version`` goes up whenever a person's name, memberships, places on cohorts
or completed courses change, or an organisation, course or cohort they belong to is renamed,
retired or moved. Triggers do it, so every way of writing (the app, a bulk statement, a
plugin, a script) keeps it true. The people report keeps each row it has drawn for the
version it was drawn at.

Revision ID: core_0007
Revises: core_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None

BUMP = "UPDATE users SET record_version = record_version + 1 WHERE id"

#: Tables with a ``user_id``, and the columns whose change the reports show.
PERSON_TABLES = {
    "enrolments": "user_id, cohort_id, status",
    "course_completions": "user_id, course_id",
    "memberships": "user_id, organisation_id, role, service_number",
}

#: Whose rows show a change of these columns (a subquery of user ids, ``{id}`` the row's).
SHARED = {
    ("organisations", "name"): "SELECT user_id FROM memberships WHERE organisation_id = {id}",
    ("courses", "title, retired"): (
        "SELECT enrolments.user_id FROM enrolments JOIN cohorts"
        " ON cohorts.id = enrolments.cohort_id WHERE cohorts.course_id = {id}"
    ),
    ("cohorts", "course_id"): "SELECT user_id FROM enrolments WHERE cohort_id = {id}",
}


def _changed(columns: str) -> str:
    return " OR ".join(
        f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in (c.strip() for c in columns.split(","))
    )


def _sqlite_changed(columns: str) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in (c.strip() for c in columns.split(",")))


def _upgrade_sqlite():
    for table, columns in PERSON_TABLES.items():
        op.execute(
            f"CREATE TRIGGER {table}_record_insert AFTER INSERT ON {table} "
            f"BEGIN {BUMP} = NEW.user_id; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_record_delete AFTER DELETE ON {table} "
            f"BEGIN {BUMP} = OLD.user_id; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_record_update AFTER UPDATE OF {columns} ON {table} "
            f"WHEN {_sqlite_changed(columns)} "
            f"BEGIN {BUMP} IN (OLD.user_id, NEW.user_id); END"
        )
    op.execute(
        "CREATE TRIGGER users_record_name AFTER UPDATE OF display_name ON users "
        "WHEN NEW.display_name IS NOT OLD.display_name "
        f"BEGIN {BUMP} = NEW.id; END"
    )
    for (table, columns), whose in SHARED.items():
        op.execute(
            f"CREATE TRIGGER {table}_record_update AFTER UPDATE OF {columns} ON {table} "
            f"WHEN {_sqlite_changed(columns)} "
            f"BEGIN {BUMP} IN ({whose.format(id='NEW.id')}); END"
        )


def _upgrade_postgresql():
    op.execute(
        f"""
        CREATE FUNCTION lms_person_record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {BUMP} = OLD.user_id; END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
                {BUMP} = NEW.user_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for table, columns in PERSON_TABLES.items():
        op.execute(
            f"CREATE TRIGGER {table}_record_changed AFTER INSERT OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION lms_person_record_changed()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_record_update AFTER UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW WHEN ({_changed(columns)}) "
            "EXECUTE FUNCTION lms_person_record_changed()"
        )
    op.execute(
        """
        CREATE FUNCTION lms_person_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.record_version := OLD.record_version + 1;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER users_record_name BEFORE UPDATE OF display_name ON users FOR EACH ROW "
        "WHEN (NEW.display_name IS DISTINCT FROM OLD.display_name) "
        "EXECUTE FUNCTION lms_person_renamed()"
    )
    for (table, columns), whose in SHARED.items():
        op.execute(
            f"""
            CREATE FUNCTION lms_{table}_record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {BUMP} IN ({whose.format(id="NEW.id")});
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_record_update AFTER UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW WHEN ({_changed(columns)}) "
            f"EXECUTE FUNCTION lms_{table}_record_changed()"
        )


def upgrade():
    op.add_column(
        "users", sa.Column("record_version", sa.Integer(), nullable=False, server_default="0")
    )
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    events = ("changed", "update") if postgresql else ("insert", "delete", "update")
    names = [f"{table}_record_{event}" for table in PERSON_TABLES for event in events]
    tables = {name: name.split("_record_")[0] for name in names}
    tables["users_record_name"] = "users"
    for table, _columns in SHARED:
        tables[f"{table}_record_update"] = table
    for name, table in tables.items():
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION lms_person_record_changed()")
        op.execute("DROP FUNCTION lms_person_renamed()")
        for table, _columns in SHARED:
            op.execute(f"DROP FUNCTION lms_{table}_record_changed()")
    op.drop_column("users", "record_version")
