"""Measurement harness for `commonweal bench`: a throwaway PostgreSQL database, the app
served by gunicorn, and a concurrent HTTP load generator that records latencies.

Every figure is printed beside a floor measured in the same run on the same server, so the
ratio means something on any machine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import psycopg
from django.conf import settings
from django.db import connections

CSRF_ALPHABET = string.ascii_letters + string.digits
logging.getLogger("httpx").setLevel(logging.WARNING)


def csrf_secret() -> str:
    """A CSRF cookie value; Django accepts the unmasked secret as the form token too."""
    return "".join(secrets.choice(CSRF_ALPHABET) for _ in range(32))


@dataclass
class LoadResult:
    name: str
    requests: int
    ok: int
    wall_s: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95_ms(self) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[94]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh PostgreSQL database beside the configured one, dropped afterwards.

    Switches Django's default connection to it for the duration."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(
            "The benchmark runs on PostgreSQL: set DATABASE_URL, for example "
            "postgres://postgres@127.0.0.1:5432/test"
        )
    name = f"{default['NAME']}_bench_{secrets.token_hex(3)}"
    admin_dsn = {
        "host": default.get("HOST") or None,
        "port": default.get("PORT") or None,
        "user": default.get("USER") or None,
        "password": default.get("PASSWORD") or None,
        "dbname": default["NAME"],
    }
    with psycopg.connect(**admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    original = default["NAME"]
    connections.close_all()
    default["NAME"] = name
    user = default.get("USER") or ""
    password = f":{default['PASSWORD']}" if default.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = default.get("HOST") or "localhost"
    port = f":{default['PORT']}" if default.get("PORT") else ""
    url = f"postgres://{credentials}{host}{port}/{name}"
    try:
        yield url
    finally:
        connections.close_all()
        default["NAME"] = original
        with psycopg.connect(**admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def kept_database(name: str) -> Iterator[tuple[str, bool]]:
    """A PostgreSQL database beside the configured one that outlives the run (made when
    missing), so large seeded data is paid for once. Yields its URL and whether it is new."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(
            "The benchmark runs on PostgreSQL: set DATABASE_URL, for example "
            "postgres://postgres@127.0.0.1:5432/test"
        )
    admin_dsn = {
        "host": default.get("HOST") or None,
        "port": default.get("PORT") or None,
        "user": default.get("USER") or None,
        "password": default.get("PASSWORD") or None,
        "dbname": default["NAME"],
    }
    with psycopg.connect(**admin_dsn, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    original = default["NAME"]
    connections.close_all()
    default["NAME"] = name
    try:
        yield name, not exists
    finally:
        connections.close_all()
        default["NAME"] = original


def percentile_95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


@contextmanager
def served(database_url: str, *, workers: int, threads: int = 1) -> Iterator[str]:
    """The app under gunicorn on a free local port, with the bench endpoints on."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COMMONWEAL_BENCH_ENDPOINTS": "true",
        # On loopback, with no proxy in front: the bench's floors are development pages.
        "COMMONWEAL_CLIENT_IP_HEADER": "",
        "COMMONWEAL_ENV": "development",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "COMMONWEAL_STATIC_MANIFEST": "false",
        "DATABASE_CONN_MAX_AGE": "600",
    }
    command = [
        sys.executable, "-m", "gunicorn", "commonweal.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=environment)  # noqa: S603 (our own server)  # nosec B603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_load(
    name: str,
    *,
    base: str,
    requests: list[Callable[[httpx.Client], bool]],
    concurrency: int,
) -> LoadResult:
    """Run each request function once, `concurrency` at a time; each returns success."""
    latencies: list[float] = []
    ok = 0
    lock = threading.Lock()
    queue = list(reversed(requests))

    def worker() -> None:
        nonlocal ok
        with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    request = queue.pop()
                started = time.perf_counter()
                success = request(client)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    ok += 1 if success else 0

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return LoadResult(name, len(requests), ok, wall, latencies)


def run_alternating(
    *loads: tuple[str, list], base: str, concurrency: int, rounds: int
) -> tuple[LoadResult, ...]:
    """Run the loads in alternating slices, so drift on the machine (caches, autovacuum,
    other work) falls on all alike. Returns each load's combined result, in order."""
    totals = {name: LoadResult(name, 0, 0, 0.0, []) for name, _requests in loads}
    sizes = [-(-len(requests) // rounds) for _name, requests in loads]
    for index in range(rounds):
        for (name, requests), size in zip(loads, sizes, strict=True):
            chunk = requests[index * size : (index + 1) * size]
            if not chunk:
                continue
            result = run_load(name, base=base, requests=chunk, concurrency=concurrency)
            total = totals[name]
            total.requests += result.requests
            total.ok += result.ok
            total.wall_s += result.wall_s
            total.latencies_ms.extend(result.latencies_ms)
    return tuple(totals[name] for name, _requests in loads)


def staff_client(user):
    """A test client signed in as this member of staff with both factors, as the staff
    sign-in leaves a session after the one-time code."""
    from types import SimpleNamespace

    from django.test import Client

    from commonweal.accounts.middleware import session_signed_in

    client = Client()
    client.force_login(user)
    session = client.session
    session_signed_in(SimpleNamespace(session=session), method="password+totp", staff_verified=True)
    session.save()
    return client
