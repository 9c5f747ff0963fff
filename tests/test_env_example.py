"""Every environment variable the portal reads is documented (issue 17 item 7).

The names are read from the source itself, so a variable added to the settings (or to
gunicorn.conf.py) without a line in ``.env.example`` and a row in README's "Configuration"
table fails here, whichever branch adds it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The modules that read the process environment for the portal's configuration.
READERS = (ROOT / "absher_portal" / "settings.py", ROOT / "gunicorn.conf.py")
#: django-environ's typed readers (``env.str("NAME", ...)``, ``env.int(...)``...).
ENV_METHODS = {"str", "int", "bool", "float", "list", "tuple", "dict", "json", "url", "db_url"}
#: Set by the entry points themselves (manage.py, wsgi.py), never by a deployment.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}
NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def _name_read(call: ast.Call) -> str | None:
    """The variable name a call reads from the environment, if it is such a call."""
    func = call.func
    if not (call.args and isinstance(call.args[0], ast.Constant)):
        return None
    name = call.args[0].value
    if not isinstance(name, str):
        return None
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id == "env" and func.attr in ENV_METHODS:
            return name
        if isinstance(owner, ast.Name) and owner.id == "os" and func.attr == "getenv":
            return name
        is_os_environ = (
            isinstance(owner, ast.Attribute)
            and owner.attr == "environ"
            and isinstance(owner.value, ast.Name)
            and owner.value.id == "os"
        )
        if is_os_environ and func.attr in {"get", "setdefault"}:
            return name
    if isinstance(func, ast.Name) and func.id == "env":  # env("NAME", ...)
        return name
    return None


def variables_read() -> set[str]:
    names = set()
    for path in READERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (name := _name_read(node)):
                names.add(name)
            elif (  # os.environ["NAME"]
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "environ"
                and isinstance(node.slice, ast.Constant)
            ):
                names.add(node.slice.value)
    return names - NOT_CONFIGURATION


def env_example_names() -> set[str]:
    """Names set (``NAME=...``) or shown commented out with their default (``# NAME=...``)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def readme_configuration_names() -> set[str]:
    """The names in the first column of README's "Configuration" table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_column = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_column))
    return names


def test_the_settings_read_the_variables_this_test_expects():
    """Guard the parser: it finds names of each kind of read."""
    found = variables_read()
    assert {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "OTP_HMAC_KEY", "DATABASE_URL"} <= found
    assert {"ALLOW_TEST_MODES", "GUNICORN_BIND", "WEB_CONCURRENCY"} <= found
    assert all(NAME.fullmatch(name) for name in found)


def test_every_variable_read_is_in_env_example():
    missing = sorted(variables_read() - env_example_names())
    assert not missing, f"add these to .env.example (with a production value): {missing}"


def test_every_variable_read_is_in_the_readme_configuration_table():
    missing = sorted(variables_read() - readme_configuration_names())
    assert not missing, f"add these to README's Configuration table: {missing}"


def test_env_example_names_nothing_the_portal_does_not_read():
    unknown = sorted(env_example_names() - variables_read())
    assert not unknown, f".env.example names variables nothing reads: {unknown}"


def test_env_example_sets_every_variable_production_requires():
    """The ones the settings refuse to start without when DJANGO_DEBUG=0."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    set_here = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    required = {"DJANGO_DEBUG", "SECRET_KEY", "OTP_HMAC_KEY", "FACTOR_SECRET_KEYS", "REDIS_URL"}
    assert required <= set_here
    assert "ALLOW_TEST_MODES" not in set_here and "CAPTCHA_TEST_MODE" not in set_here
