"""bandit finds no medium or high severity issue in the portal's code (issue 6, item 6).

The same command as ``make bandit``; a finding that is a false positive is justified where it
is, with ``# nosec BXXX`` and the reason, never by loosening this test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [
    "-m",
    "bandit",
    "-r",
    "accounts",
    "activation",
    "absher_portal",
    "authenticator",
    "passkeys",
    "security",
    "housekeeping",
    "-c",
    "pyproject.toml",
]


def test_bandit_reports_no_medium_or_high_severity_issue():
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *COMMAND, "--severity-level", "medium", "--format", "json", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    findings = [
        f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
        for issue in report["results"]
    ]

    assert findings == []
    assert report["errors"] == []
    assert report["metrics"]["_totals"]["loc"] > 5_000  # it read the code, all of it
    assert result.returncode == 0, result.stderr
