"""`make security`: bandit finds nothing unexplained in our code, and the dependency audit
says whether it audited anything (pip-audit alone prints "No known vulnerabilities found"
even when it could not reach its vulnerability service)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_finds_nothing_unexplained():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("bandit")), "-q", "-r", "src", "-c", "bandit.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("audit", ROOT / ".ci" / "audit_dependencies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def answering(dependencies):
        report = json.dumps({"dependencies": dependencies, "fixes": []})
        monkeypatch.setattr(
            module.subprocess,
            "run",
            lambda command, **kwargs: SimpleNamespace(stdout=report, stderr="", returncode=0),
        )

    module.answering = answering
    return module


def test_a_known_vulnerability_fails_the_audit(audit, capsys):
    audit.answering(
        [
            {"name": "django", "version": "5.2.0", "vulns": [
                {"id": "PYSEC-0000-1", "fix_versions": ["5.2.1"], "aliases": ["CVE-0000-1"]}
            ]},
            {"name": "jinja2", "version": "3.1.6", "vulns": []},
        ]
    )  # fmt: skip
    assert audit.main([]) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE django 5.2.0: PYSEC-0000-1 (CVE-0000-1); fixed in 5.2.1" in out


def test_an_audit_that_could_not_run_says_so_and_fails_only_when_required(
    audit, capsys, monkeypatch
):
    audit.answering(
        [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}]
    )
    monkeypatch.delenv("COMMONWEAL_REQUIRE_AUDIT", raising=False)
    assert audit.main([]) == 0
    assert "DEPENDENCIES NOT AUDITED" in capsys.readouterr().out
    monkeypatch.setenv("COMMONWEAL_REQUIRE_AUDIT", "1")
    assert audit.main([]) == 1


def test_a_clean_audit_passes(audit, capsys):
    audit.answering([{"name": "django", "version": "5.2.9", "vulns": []}])
    assert audit.main([]) == 0
    assert "1 of 1 pinned packages audited, 0 with known vulnerabilities" in capsys.readouterr().out
