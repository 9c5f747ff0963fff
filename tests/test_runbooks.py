"""Each runbook names the tests that prove its steps; those tests exist (issue 17 item 5).

A renamed or deleted test would leave a runbook pointing at nothing: this fails instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNBOOKS = sorted((ROOT / "docs" / "runbooks").glob("*.md"))
#: ``tests/file.py::test_name``, or ``::test_name`` for the file named just before.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?::(test_\w+)`")
PAGES = [page for page in RUNBOOKS if page.name != "README.md"]


def references(page: Path) -> list[tuple[str, str]]:
    found, current = [], None
    for match in REFERENCE.finditer(page.read_text(encoding="utf-8")):
        current = match.group(1) or current
        assert current, f"{page.name}: {match.group(0)} names no file before it"
        found.append((current, match.group(2)))
    return found


def test_there_is_a_runbook_for_each_rotation():
    names = {page.name for page in PAGES}
    assert names == {
        "secret-key.md",
        "otp-hmac-key.md",
        "factor-keys.md",
        "bank-key.md",
        "database-password.md",
    }


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_test_a_runbook_names_exists(page):
    named = references(page)
    assert named, f"{page.name} names no test"
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)
    ]
    assert not missing, f"{page.name} names tests that do not exist: {missing}"
