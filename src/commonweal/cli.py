"""The `commonweal` console command: Django's management commands under one name.

commonweal demo                  set up and serve the demo
commonweal services import FILE  add a service definition
commonweal bench intake          measure submissions per second
commonweal migrate, createsuperuser, ...  (any Django command)

A command that fails because the database has not been migrated (a table it needs is not
there yet) says to run `commonweal migrate` instead of printing a traceback.
"""

import os
import sys

# Commands that make or inspect the schema, or need no database: their errors are their own.
SCHEMA_COMMANDS = frozenset(
    {
        "migrate",
        "makemigrations",
        "showmigrations",
        "sqlmigrate",
        "squashmigrations",
        "check",
        "help",
        "version",
        "shell",
        "dbshell",
    }
)


def _unmigrated() -> bool:
    """Whether the default database has migrations not yet applied (or cannot be read at
    all), judged after a command failed on a missing table."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except Exception:  # the migration table itself may be unreadable: not migrated
        return True


def _missing_table(error: BaseException) -> bool:
    from django.db.utils import OperationalError, ProgrammingError

    while error is not None:
        if isinstance(error, OperationalError | ProgrammingError):
            text = str(error).lower()
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    from django.core.management import execute_from_command_line

    arguments = sys.argv[1:]
    command = arguments[0] if arguments else "help"
    try:
        execute_from_command_line(["commonweal", *arguments])
    except Exception as error:
        if command in SCHEMA_COMMANDS or not _missing_table(error) or not _unmigrated():
            raise
        sys.stderr.write(
            f"commonweal {command}: the database has not been set up for this version "
            "(its tables are missing or out of date).\n"
            "Run `commonweal migrate` first, then run this command again.\n"
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
