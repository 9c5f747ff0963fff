"""PgBouncer in transaction pooling in front of this machine's PostgreSQL, for tests and CI.

Many web machines share PostgreSQL through PgBouncer (design.md §16): a server connection
belongs to a client for one transaction only, so nothing may rely on session state — no
session advisory locks, no ``SET`` outside a transaction, no server-side cursors (Django's
``DISABLE_SERVER_SIDE_CURSORS``, turned on by ``DATABASE_TRANSACTION_POOLING=1``).

``python -m tests.pgbouncer start DIR`` starts one on a free loopback port (config, pid and log
in DIR) and prints the port; ``stop DIR`` stops it. ``.ci/run`` runs the race suite and a
benchmark phase through it. PgBouncer will not run as root: started as root, it drops to the
``postgres`` user (``-u``), who must be able to read DIR.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

#: Where Debian puts the binary (/usr/sbin is not on every user's PATH).
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
UPSTREAM_HOST, UPSTREAM_PORT = "127.0.0.1", 5432

CONFIG = """\
[databases]
* = host={upstream_host} port={upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work}/users.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits
pidfile = {work}/pgbouncer.pid
logfile = {work}/pgbouncer.log
"""


def binary() -> str | None:
    return shutil.which("pgbouncer", path=SEARCH_PATH)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(work: Path, *, users: tuple[str, ...] = ("postgres", "root")) -> int:
    """Start PgBouncer with its files in ``work``; return its port once it accepts connections."""
    program = binary()
    if program is None:
        raise RuntimeError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (work / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    config = work / "pgbouncer.ini"
    config.write_text(
        CONFIG.format(
            upstream_host=UPSTREAM_HOST, upstream_port=UPSTREAM_PORT, port=port, work=work
        )
    )
    command = [program, "-d", str(config)]
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (work, *work.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command[1:1] = ["-u", "postgres"]
    subprocess.run(command, check=True)  # noqa: S603 - the Debian binary, our own config
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return port
        except OSError:
            time.sleep(0.1)
    log = work / "pgbouncer.log"
    tail = log.read_text()[-2000:] if log.exists() else "(no log)"
    raise RuntimeError(f"pgbouncer did not listen on {port}:\n{tail}")


def stop(work: Path) -> None:
    """Stop the PgBouncer whose files are in ``work`` (if it runs)."""
    pidfile = work / "pgbouncer.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


if __name__ == "__main__":
    action, folder = sys.argv[1], Path(sys.argv[2]).resolve()
    if action == "start":
        print(start(folder))
    elif action == "stop":
        stop(folder)
    else:
        sys.exit(f"usage: python -m tests.pgbouncer start|stop DIR (not {action!r})")
