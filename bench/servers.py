"""The benchmark's servers on loopback: which ports, and whether a server is the one it started.

Ports are free ones by default (the kernel picks them: bind port 0), so a run never meets
another server; ``BENCH_PORT`` pins them, and then a port already in use fails at once.
A server is ready when the process the benchmark started listens on its port (its own
socket, found through /proc/net/tcp and the process's file descriptors) and answers there:
a foreign server answering on the port is never taken for it. Linux only, like the rest of
the benchmark. Standard library only: tests import this module without the bench extras.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column


class ServerFailed(RuntimeError):
    """A benchmark server could not start, or what answers on its port is not it."""


@dataclass(frozen=True)
class Ports:
    portal: int  # the portal on the small database
    peer: int  # the allauth peer
    large: int  # the portal on the large database
    peer_argon2: int  # the allauth peer hashing with the portal's Argon2id parameters


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports nothing listens on right now (all bound at once)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def pick_ports(explicit: int | None) -> Ports:
    """``explicit`` (``BENCH_PORT``), +1, +2 and +3 when given; else four free ports."""
    if explicit is not None:
        return Ports(explicit, explicit + 1, explicit + 2, explicit + 3)
    return Ports(*free_ports(4))


def ensure_free(port: int) -> None:
    """``ServerFailed`` at once if something already holds ``port`` on loopback.

    Binds the way gunicorn does (``SO_REUSEADDR``), so the TIME_WAIT connections an earlier
    run left behind do not count, but a listening server does.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServerFailed(
                    f"port {port} on {HOST}: address in use (another server holds it); "
                    "stop it, or unset BENCH_PORT to let the benchmark pick free ports"
                ) from None
            raise ServerFailed(f"port {port} on {HOST}: {error.strerror}") from None


def listening_inodes(port: int) -> set[str]:
    """The socket inodes listening on TCP ``port`` (IPv4 and IPv6), whoever owns them."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets process ``pid`` holds open (empty once it has gone)."""
    inodes = set()
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in descriptors:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself holds a socket listening on ``port``."""
    return bool(listening_inodes(port) & socket_inodes(pid))


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def log_tail(path: Path, start: int = 0, lines: int = 20) -> str:
    """The last ``lines`` lines written to ``path`` since byte ``start``."""
    try:
        with path.open("rb") as fh:
            fh.seek(start)
            text = fh.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(nothing written)"


def wait_ready(
    process: subprocess.Popen,
    port: int,
    url: str,
    *,
    log: Path,
    log_start: int = 0,
    seconds: float = 60,
) -> None:
    """Return once ``process`` listens on ``port`` and ``url`` answers; else ``ServerFailed``.

    The listening socket must be the process's own, so another server answering on the
    port is refused. If the process exits first, the message ends with its log's tail.
    """
    name = Path(str(process.args[0] if isinstance(process.args, list) else process.args)).name
    deadline = time.monotonic() + seconds
    while True:
        code = process.poll()
        if code is not None:
            raise ServerFailed(
                f"{name} (pid {process.pid}) exited with code {code} before it answered on "
                f"port {port}; the end of {log}:\n{log_tail(log, log_start)}"
            )
        own = listens_on(process.pid, port)
        if own and answers(url):
            return
        if time.monotonic() > deadline:
            foreign = listening_inodes(port) and not own
            raise ServerFailed(
                f"{name} (pid {process.pid}) did not answer on port {port} within {seconds:g} s"
                + ("; another process listens there: address in use" if foreign else "")
                + f"; the end of {log}:\n{log_tail(log, log_start)}"
            )
        time.sleep(0.2)
