"""Database helpers shared by migrations."""

from django.db import migrations


def append_only(table: str) -> migrations.RunPython:
    """A migration operation that makes the database itself refuse UPDATE and DELETE on
    `table`, on PostgreSQL and SQLite, so history stays appended whatever code runs."""

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
                END;
                $$ LANGUAGE plpgsql;
                CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
                """,
                params=None,  # the SQL has a literal % (plpgsql's placeholder)
            )
        elif vendor == "sqlite":
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                )

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only();")
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation};")

    return migrations.RunPython(forwards, backwards)


def append_only_unless_erasing(*tables: str) -> migrations.RunPython:
    """Like `append_only`, except that DELETE is allowed while the deleting transaction
    holds a row in `rights_erasurepass`, which only the retention job writes (inside its own
    transaction, removed before it commits, so no other transaction ever sees it). UPDATE
    is always refused. Replaces the triggers `append_only` made."""

    def sqlite(table: str) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "  # noqa: S608 (our table names)
            "WHEN NOT EXISTS (SELECT 1 FROM rights_erasurepass) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ]

    def postgresql(table: str) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
            f"""
            CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM rights_erasurepass) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """,  # noqa: S608 (our table names, in migrations)
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]

    def forwards(apps, schema_editor):
        statements = {"sqlite": sqlite, "postgresql": postgresql}.get(
            schema_editor.connection.vendor
        )
        for table in tables:
            for statement in statements(table) if statements else []:
                schema_editor.execute(statement, params=None)

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for table in tables:
            if vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            elif vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
                schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        # The earlier triggers (no exception) come back when their migrations run again;
        # rolling back this far is for development only.

    return migrations.RunPython(forwards, backwards)
