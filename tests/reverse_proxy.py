"""nginx in front of a test gunicorn, run from the production files in deploy/nginx/.

The test runs ``deploy/nginx/portal-site.conf`` itself, with only what must differ on a test
machine rewritten: the listening ports (free loopback ports), gunicorn's address, the
certificate (a self-signed one made here) and where the snippets are. Every directive about
proxying comes from ``portal-locations.conf`` and ``portal-http.conf`` unchanged. nginx runs as
the current user in the foreground, with its pid, logs and temporary files in a scratch folder.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.production_env import ROOT, ServerFailed

DEPLOY = ROOT / "deploy" / "nginx"
#: Where Debian puts the binary (/usr/sbin is not on every user's PATH).
NGINX_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


def nginx_or_skip() -> str:
    """The nginx binary; the test is skipped without it, except on CI where it must be there."""
    binary = shutil.which("nginx", path=NGINX_PATH)
    if binary:
        return binary
    reason = "nginx is not installed (Debian: apt-get install nginx); .ci/run installs it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}, and CI must run the reverse-proxy tests")
    pytest.skip(reason)


def directive_seconds(name: str) -> int:
    """The value, in seconds, that ``portal-locations.conf`` gives a ``<name> <N>s;`` directive."""
    text = (DEPLOY / "portal-locations.conf").read_text(encoding="utf-8")
    match = re.search(rf"^{name} (\d+)s;", text, re.MULTILINE)
    assert match, f"{name} not found in portal-locations.conf"
    return int(match.group(1))


def self_signed_certificate(work: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, valid for a day (the test trusts nothing else)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = work / "portal.crt", work / "portal.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site_for_test(
    *, http: int, https: int, upstream: int | list[int], cert: Path, key: Path
) -> str:
    """``portal-site.conf`` with test ports, certificate and snippet paths; nothing else changed
    but the upstream, which may list several gunicorns (the benchmark's two: bench/farm.py).

    Every rewritten line must be found: if the production file changes shape, this fails
    instead of quietly testing something else.
    """
    text = (DEPLOY / "portal-site.conf").read_text(encoding="utf-8")
    rewrites = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000;": " ".join(
            f"server 127.0.0.1:{port};"
            for port in ([upstream] if isinstance(upstream, int) else upstream)
        ),
        "/etc/letsencrypt/live/portal.example.sa/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/portal.example.sa/privkey.pem": str(key),
        "include snippets/": f"include {DEPLOY}/",
    }
    for old, new in rewrites.items():
        assert old in text, f"portal-site.conf no longer has {old!r}: update {__name__}"
        text = text.replace(old, new)
    return text


def main_config(work: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf does, with every path in ``work``."""
    user = ""
    if os.geteuid() == 0:  # else nginx's workers would run as "nobody" and see nothing here
        user = f"user {pwd.getpwuid(0).pw_name};"
    temp = "\n".join(
        f"    {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    access_log {work / "access.log"};
{temp}
    include {work / "portal-site.conf"};
}}
"""


@dataclass
class Nginx:
    """The running nginx: its plain and TLS ports on 127.0.0.1, certificate and error log."""

    http_port: int
    https_port: int
    certificate: Path
    error_log: Path

    def http_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    def https_url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.https_port}{path}"

    def tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this nginx's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))


def _answers(url: str, certificate: Path) -> bool:
    try:
        return requests.get(url, timeout=2, verify=str(certificate)).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def running_nginx(
    binary: str, work: Path, *, http: int, https: int, upstream: int | list[int]
) -> Iterator[Nginx]:
    """nginx in the foreground until the block ends; yields once ``/healthz`` answers via TLS."""
    cert, key = self_signed_certificate(work)
    site = site_for_test(http=http, https=https, upstream=upstream, cert=cert, key=key)
    (work / "portal-site.conf").write_text(site, encoding="utf-8")
    (work / "nginx.conf").write_text(main_config(work), encoding="utf-8")
    error_log = work / "error.log"
    argv = [binary, "-p", f"{work}/", "-e", str(error_log), "-c", str(work / "nginx.conf")]
    checked = subprocess.run(  # noqa: S603 - the nginx binary and a config written here
        [*argv, "-t"], capture_output=True, text=True, timeout=30
    )
    if checked.returncode:
        raise ServerFailed(f"nginx -t refused the configuration:\n{checked.stderr}")
    with (work / "nginx.out").open("w") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    nginx = Nginx(http, https, cert, error_log)
    try:
        deadline = time.monotonic() + 30
        while not _answers(nginx.https_url("/healthz"), cert):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerFailed(f"nginx did not start:\n{error_log.read_text()}")
            time.sleep(0.1)
        yield nginx
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
