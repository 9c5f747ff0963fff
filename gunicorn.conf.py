"""gunicorn settings for `make serve` and production; every value can come from the environment.

Workers are processes of the sync kind: each request is CPU work (Argon2id hashing, template
rendering) or a short database round trip, so one worker per core keeps the cores busy without
queueing hashes behind each other. Web processes hold no state (sessions in the database behind
Redis, limits in Redis), so any number of them, on any number of machines, can sit behind a
load balancer.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
# Sync by default; `GUNICORN_WORKER_CLASS=gthread` with `GUNICORN_THREADS` for the comparison
# of issue 16 (`make bench-concurrency`), whose result sets these defaults (docs/decisions.md).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in a library cannot grow without bound.
# The application is loaded once in the master, templates compiled and catalogues read there
# (absher_portal/warmup.py), so a worker forked to replace one after max_requests starts warm
# instead of importing Django again (issue 16, decision 274). A new release is a restart of
# the master (systemd restart), not a HUP: a HUP would fork workers from the old code.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Only the load balancer may set X-Forwarded-* (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log to stdout as JSON lines (method, masked path, status, duration, request id); the
# query string is never logged: it can carry personal data (an admin search by ID).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
logger_class = "absher_portal.gunicorn_logging.JsonAccessLogger"
errorlog = "-"
wsgi_app = "absher_portal.wsgi:application"
# gunicorn 27's control socket lives at one path per user: several servers on one machine (tests,
# benchmarks, blue/green) would take it from each other. Name one to use `gunicornc`.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def when_ready(server) -> None:
    """In the master, before the first fork: warm what every worker would warm itself."""
    if server.cfg.preload_app:  # the effective setting (a --preload flag included)
        from absher_portal.warmup import warm_up

        server.log.info("warmed up %d templates before forking", warm_up())


# Metrics under several processes (absher_portal/metrics.py): with PROMETHEUS_MULTIPROC_DIR set
# in the environment before gunicorn starts (systemd), each worker keeps its values in files
# there and a scrape adds them up.
metrics_directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server) -> None:
    """In the master, once (not on a HUP), before any worker: empty the metrics directory, so
    counts of a previous run are not added to this one's. The preloaded application created
    no file there: every metric has labels, and no value exists before its first use."""
    if metrics_directory:
        from pathlib import Path

        directory = Path(metrics_directory)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    """A worker exited (recycled after max_requests, or died): its files stay, so its counts
    still add up; only live gauges' files are dropped, as prometheus_client asks."""
    if metrics_directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
