"""CPU cost of the request-latency middleware (absher_portal/metrics_middleware.py), per request.

``python -m bench.metrics_overhead [requests]`` serves ``/bench/ok`` (the whole middleware stack,
a view that does nothing) through Django's test client, with the middleware and without it, in
alternating rounds in this one process, and prints ``time.process_time`` per request of each
and the difference; then the middleware's own call alone around a view that returns at once.
Not part of ``make bench``: one process, no server, a few seconds of one core. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory to measure the multiprocess mode's values.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402
from django.urls import resolve  # noqa: E402

from absher_portal.metrics_middleware import RequestLatencyMiddleware  # noqa: E402

LATENCY = "absher_portal.metrics_middleware.RequestLatencyMiddleware"
ROUNDS = 5


def cpu_per_request(client: Client, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        client.get("/bench/ok")
    return (time.process_time() - started) / count


def stack(requests: int) -> tuple[float, float]:
    """Best-of-rounds CPU seconds per request, with and without the middleware."""
    without = [m for m in settings.MIDDLEWARE if m != LATENCY]
    per_round = requests // (2 * ROUNDS)
    best = {"with": float("inf"), "without": float("inf")}
    clients = {}
    for name, middleware in (("with", settings.MIDDLEWARE), ("without", without)):
        with override_settings(MIDDLEWARE=middleware):
            clients[name] = Client()  # its handler loads the stack at its first request
            clients[name].get("/bench/ok")
    for _ in range(ROUNDS):
        for name, client in clients.items():
            best[name] = min(best[name], cpu_per_request(client, per_round))
    return best["with"], best["without"]


def middleware_alone(count: int) -> float:
    """The middleware's own call (timer, label lookup, observe) around a view that returns."""
    request = RequestFactory().get("/bench/ok")
    request.resolver_match = resolve("/bench/ok")
    response = HttpResponse("ok")
    middleware = RequestLatencyMiddleware(lambda _request: response)
    started = time.process_time()
    for _ in range(count):
        middleware(request)
    return (time.process_time() - started) / count


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with_it, without_it = stack(requests)
    alone = middleware_alone(100_000)
    print(f"requests: {requests} in {ROUNDS} alternating rounds (best round of each)")
    print(f"with the middleware:    {with_it * 1e6:8.1f} µs CPU per request")
    print(f"without the middleware: {without_it * 1e6:8.1f} µs CPU per request")
    print(f"difference:             {(with_it - without_it) * 1e6:8.1f} µs")
    print(f"the middleware alone:   {alone * 1e6:8.2f} µs per call")


if __name__ == "__main__":
    main()
