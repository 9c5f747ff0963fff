"""The layout of design.md §3 holds: who may import whom, where writes happen, sizes.

- ``activation`` → ``accounts`` → ``sms``; ``sms`` imports neither, ``accounts`` never
  ``activation``;
- views never write: no ORM writes, locks or transactions in a view module (services do);
- no module of the portal imports a private name (``_x``) of a library;
- modules stay small, and the wizard view smaller.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: ORM calls that write or lock: a view that needs one calls a service instead.
WRITES = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "select_for_update",
}
MAX_MODULE_LINES = 300
#: Modules allowed past MAX_MODULE_LINES, each with its reason.
LONG_MODULES = {
    "accounts/password_validation.py": "seven validator classes, each small, kept together",
    "activation/management/commands/bank_confirm.py": "the reference bank client's CLI",
    "accounts/limits.py": "every throttle of the portal declared in one place (README's table)",
}


def python_files(*packages: str) -> list[Path]:
    return [
        path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and ".venv" not in path.parts
    ]


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def offenders(packages: tuple[str, ...], forbidden: set[str]) -> dict[str, list[str]]:
    found = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in forbidden
        )
        for path in python_files(*packages)
    }
    return {path: names for path, names in found.items() if names}


def test_accounts_never_imports_activation():
    assert offenders(("accounts",), {"activation"}) == {}


def test_nothing_imports_housekeeping():
    """It deletes other apps' rows; they never depend on it (design.md §3)."""
    packages = ("accounts", "activation", "sms", "pages", "absher_portal", "authenticator")
    assert offenders((*packages, "passkeys", "security"), {"housekeeping"}) == {}


def test_the_sms_app_imports_neither_accounts_nor_activation():
    assert offenders(("sms",), {"accounts", "activation"}) == {}


def view_modules() -> list[Path]:
    views = [
        *ROOT.glob("accounts/**/views.py"),
        *ROOT.glob("authenticator/*views.py"),
        ROOT / "pages/views.py",
        ROOT / "sms/callbacks.py",
        ROOT / "activation/api.py",
        *ROOT.glob("passkeys/*views.py"),
    ]
    return sorted(views)


def test_views_never_write_lock_or_open_transactions():
    found = []
    for path in view_modules():
        for node in ast.walk(tree(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
                # the session, message storage, the reset state kept in the session and
                # template contexts are not the database
                and not ast.unparse(node.func.value).endswith(
                    ("session", "storage", "state", "context")
                )
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node.func)}")
        if "django.db.transaction" in imported_modules(path) or any(
            isinstance(node, ast.ImportFrom)
            and node.module == "django.db"
            and any(alias.name == "transaction" for alias in node.names)
            for node in ast.walk(tree(path))
        ):
            found.append(f"{path.relative_to(ROOT)}: imports transaction")
    assert found == []


def test_the_architecture_checks_see_the_views():
    names = {str(path.relative_to(ROOT)) for path in view_modules()}
    assert {
        "accounts/registration/views.py",
        "accounts/signin/views.py",
        "authenticator/views.py",
        "authenticator/signin_views.py",
        "passkeys/views.py",
        "passkeys/signin_views.py",
    } <= names


def test_no_module_imports_a_private_name_of_a_library():
    found = []
    packages = (
        "accounts",
        "activation",
        "sms",
        "pages",
        "absher_portal",
        "authenticator",
        "passkeys",
        "security",
        "housekeeping",
        "bench",
    )
    for path in python_files(*packages):
        for node in ast.walk(tree(path)):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] not in {*packages, "tests"}
            ):
                found += [
                    f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and alias.name != "__future__"
                ]
    assert found == []


@pytest.mark.parametrize(
    "package",
    [
        "accounts",
        "sms",
        "activation",
        "pages",
        "absher_portal",
        "authenticator",
        "passkeys",
        "security",
    ],
)
def test_modules_stay_small(package):
    long = {
        str(path.relative_to(ROOT)): lines
        for path in python_files(package)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    long = {path: lines for path, lines in long.items() if path not in LONG_MODULES}
    if package == "absher_portal":
        long.pop("absher_portal/settings.py", None)  # one module of settings (STYLE H6)
    assert long == {}


def test_the_wizard_view_stays_under_150_lines():
    module = tree(ROOT / "accounts/registration/views.py")
    wizard = next(
        node
        for node in module.body
        if isinstance(node, ast.ClassDef) and node.name == "RegistrationWizard"
    )
    assert wizard.end_lineno - wizard.lineno + 1 < 150


def runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it runs: at the top, inside functions, not for typing."""
    module = tree(path)
    typing_only = {
        id(node)
        for block in ast.walk(module)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    names: set[str] = set()
    for node in ast.walk(module):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_graph(*packages: str) -> dict[str, set[str]]:
    """Project module → the project modules it imports (a package's own parents left out)."""
    modules = {}
    for path in python_files(*packages):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def resolve(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    return {
        name: {
            target
            for imported in runtime_imports(path)
            if (target := resolve(imported))
            and target != name
            and not name.startswith(f"{target}.")
        }
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for neighbour in graph.get(node, ()):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_portal_has_no_import_cycles():
    packages = (
        "accounts",
        "sms",
        "activation",
        "pages",
        "absher_portal",
        "passkeys",
        "housekeeping",
    )
    assert cycles(import_graph(*packages)) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
