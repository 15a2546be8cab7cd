"""The `commonweal` command against a database that has not been migrated."""

import os
import subprocess
import sys


def _run(tmp_path, *arguments):
    database = tmp_path / "empty.sqlite3"
    database.touch()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "commonweal.settings",
        "COMMONWEAL_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "commonweal.cli", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_a_command_on_an_unmigrated_database_says_to_migrate(tmp_path):
    result = _run(tmp_path, "people", "links")
    assert result.returncode == 2
    assert "Run `commonweal migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_itself_is_left_alone_and_then_the_command_works(tmp_path):
    assert _run(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    result = _run(tmp_path, "people", "links")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("source,source_id,person_id")
