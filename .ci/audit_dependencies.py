"""Audit the pinned dependencies (requirements/constraints.txt) with pip-audit, and say
plainly whether the audit happened.

pip-audit asks a vulnerability service (PyPI's JSON API by default, or OSV) about each
pinned version. When it cannot reach the service it does not fail: it marks each package
"could not be audited" and still prints "No known vulnerabilities found". This script reads
its JSON report instead and tells the three cases apart:

- a known vulnerability in a pinned version: exit 1, always (unless it is listed in IGNORED
  below, with the reason it does not apply);
- packages that could not be audited (no network, a mirror without the JSON API): a loud
  NOT AUDITED message; exit 1 when COMMONWEAL_REQUIRE_AUDIT=1 (set it where CI can reach the
  service), otherwise exit 0, because an offline machine cannot do better;
- everything audited and clean: exit 0.

Options are passed on to pip-audit (for example `-s osv` or `--osv-url` for a local mirror).
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"

# Advisories judged not to apply, each with why. An entry needs a reason a reviewer can check.
IGNORED: dict[str, str] = {}


def main(extra: list[str]) -> int:
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--requirement",
        str(CONSTRAINTS),
        # Every version is pinned: no resolving (which would need the package index), just
        # the question to the vulnerability service for each pin.
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--timeout",
        "30",
        *(arg for vuln in IGNORED for arg in ("--ignore-vuln", vuln)),
        *extra,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last_lines = result.stderr.strip().splitlines()[-2:]
        print("\n".join(last_lines), file=sys.stderr)
        print(
            "pip-audit failed before auditing anything (above). If it cannot reach its "
            "vulnerability service, the dependencies were NOT audited.",
            file=sys.stderr,
        )
        return _not_audited(len(CONSTRAINTS.read_text().splitlines()))

    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            print(
                f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']}"
                f"{f' ({aliases})' if aliases else ''}; fixed in {fixed}"
            )
    audited = len(dependencies) - len(skipped)
    print(
        f"pip-audit: {audited} of {len(dependencies)} pinned packages audited, "
        f"{len(vulnerable)} with known vulnerabilities, {len(IGNORED)} advisories ignored."
    )
    if vulnerable:
        print("Upgrade the pins (pyproject.toml, then `make constraints`), or add the advisory")
        print("to IGNORED in .ci/audit_dependencies.py with the reason it does not apply.")
        return 1
    if skipped:
        for dep in skipped[:5]:
            print(f"  not audited: {dep['skip_reason']}")
        return _not_audited(len(skipped))
    return 0


def _not_audited(count: int) -> int:
    banner = "!" * 78
    print(banner)
    print(
        f"!!! DEPENDENCIES NOT AUDITED: pip-audit could not check {count} packages, most\n"
        "!!! likely because this machine cannot reach its vulnerability service (PyPI's\n"
        "!!! JSON API or api.osv.dev). 'No known vulnerabilities' here means nothing.\n"
        "!!! Run `make security` where the service is reachable, or set\n"
        "!!! COMMONWEAL_REQUIRE_AUDIT=1 to make this a failure."
    )
    print(banner)
    return 1 if os.environ.get("COMMONWEAL_REQUIRE_AUDIT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
