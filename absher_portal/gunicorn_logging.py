"""gunicorn's access log as JSON lines, with ID numbers masked like every other log line.

gunicorn writes its access log itself, outside Django's logging and its filters: without this
class the raw path (``/no-such-page/2123456788/``) would reach the log, and in a format the
log pipeline would have to parse separately from the portal's JSON.
"""

from __future__ import annotations

import json
import time
from typing import Any

from gunicorn.glogging import Logger

from absher_portal.logs import redact


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "-")


class JsonAccessLogger(Logger):
    """One JSON object per request: the method, the masked path (never the query string),
    status, size, duration and the request id the portal echoed."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        now = time.time()
        line = {
            "time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
            + f",{int(now * 1000) % 1000:03d}",
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": _header(resp.headers, "x-request-id"),
            "message": f"{atoms['m']} {redact(atoms['U'] or '')} {atoms['s']}",
            "remote": atoms["h"],
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": atoms["M"],
        }
        self.access_log.info(json.dumps(line, ensure_ascii=False))
