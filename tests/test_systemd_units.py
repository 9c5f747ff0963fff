"""The units of deploy/systemd/ hold together and their jobs run (issue 17, item 2).

Every timer starts a service that exists; every ``manage.py`` command a service runs exists
(Django's own ``get_commands()``); each timer's command runs, with the unit's own arguments,
on the test database; and ``systemd-analyze verify`` (where the machine has it) finds no
fault, with the paths moved to this checkout.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
#: Where the units expect the checkout and its environment file.
INSTALL_DIR = "/srv/portal"
ENVIRONMENT_FILE = "/etc/absher-portal/env"
#: The long-running services; every other service is a timer's job.
LONG_RUNNING = {"portal-web.service", "portal-worker.service"}
#: The jobs the issue asks to be scheduled, by their command.
SCHEDULED_COMMANDS = {"housekeeping", "expire_pending_accounts", "send_missed_notices"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "User": "portal",
}


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as sections of (key, value) pairs, in order (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: {line!r} outside a section"
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [value for name, value in unit.get(section, []) if name == key]


def value(unit: dict, section: str, key: str) -> str:
    [found] = values(unit, section, key)
    return found


def manage_py_command(exec_line: str) -> list[str] | None:
    """The command and arguments a ``manage.py`` command line runs; None for another program."""
    words = shlex.split(exec_line.lstrip("-@:+!"))
    if "manage.py" not in words:
        return None
    return words[words.index("manage.py") + 1 :]


def units(suffix: str) -> dict[str, dict]:
    return {path.name: parse_unit(path) for path in sorted(UNITS.glob(f"*{suffix}"))}


SERVICES = units(".service")
TIMERS = units(".timer")


def scheduled_jobs() -> list[tuple[str, list[str]]]:
    jobs = []
    for timer in TIMERS.values():
        service = SERVICES[value(timer, "Timer", "Unit")]
        jobs.append(manage_py_command(value(service, "Service", "ExecStart")))
    return jobs


def test_every_timer_starts_a_service_that_exists_and_catches_up_after_downtime():
    assert TIMERS
    for name, timer in TIMERS.items():
        assert value(timer, "Timer", "Unit") in SERVICES, name
        assert value(timer, "Timer", "Unit") == name.replace(".timer", ".service")
        assert value(timer, "Timer", "OnCalendar")
        assert value(timer, "Timer", "RandomizedDelaySec")
        assert value(timer, "Timer", "Persistent") == "true"
        assert value(timer, "Install", "WantedBy") == "timers.target"


def test_every_service_but_the_long_running_two_is_a_timers_oneshot_job():
    timed = {value(timer, "Timer", "Unit") for timer in TIMERS.values()}
    assert set(SERVICES) - timed == LONG_RUNNING
    for name in timed:
        assert value(SERVICES[name], "Service", "Type") == "oneshot", name


def test_the_three_jobs_are_scheduled():
    assert {job[0] for job in scheduled_jobs()} == SCHEDULED_COMMANDS


def test_every_manage_py_command_of_every_service_exists():
    commands = get_commands()
    for name, service in SERVICES.items():
        lines = values(service, "Service", "ExecStartPre") + values(service, "Service", "ExecStart")
        for line in lines:
            command = manage_py_command(line)
            if command is not None:
                assert command[0] in commands, (name, line)


def test_the_web_runs_gunicorn_with_the_projects_config_and_never_the_owners_url():
    web = SERVICES["portal-web.service"]
    words = shlex.split(value(web, "Service", "ExecStart"))
    assert words[:3] == ["/usr/bin/env", "-u", "DATABASE_MIGRATION_URL"]
    assert words[3] == f"{INSTALL_DIR}/.venv/bin/gunicorn"
    assert words[4:] == ["-c", "gunicorn.conf.py"] and (ROOT / "gunicorn.conf.py").exists()
    worker = manage_py_command(value(SERVICES["portal-worker.service"], "Service", "ExecStart"))
    assert worker == ["db_worker", "--queue-name", "*", "--no-reload"]


def test_every_service_reads_the_environment_file_and_is_hardened():
    for name, service in SERVICES.items():
        assert value(service, "Service", "EnvironmentFile") == ENVIRONMENT_FILE, name
        assert value(service, "Service", "WorkingDirectory") == INSTALL_DIR, name
        for key, expected in HARDENING.items():
            assert value(service, "Service", key) == expected, (name, key)


@pytest.mark.django_db
@pytest.mark.parametrize("job", scheduled_jobs(), ids=lambda job: job[0])
def test_each_scheduled_command_runs_with_the_units_arguments(job):
    out = StringIO()

    call_command(*job, stdout=out)  # raises (a non-zero exit) on failure

    assert out.getvalue()


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze not installed")
def test_systemd_analyze_finds_no_fault_in_the_units(tmp_path):
    """The units as systemd reads them: keys, values, and the programs they start."""
    environment = tmp_path / "env"
    environment.write_text("DJANGO_DEBUG=0\n", encoding="utf-8")
    for path in [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]:
        text = path.read_text(encoding="utf-8")
        text = text.replace(INSTALL_DIR, str(ROOT)).replace(ENVIRONMENT_FILE, str(environment))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    names = sorted(item.name for item in tmp_path.iterdir() if item.name != "env")

    result = subprocess.run(  # noqa: S603 - a fixed program and our own file names
        [SYSTEMD_ANALYZE, "verify", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
