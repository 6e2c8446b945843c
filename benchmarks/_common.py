"""Shared plumbing for the benchmark scripts: a scratch PostgreSQL database, a gunicorn
server on it, and a small concurrent HTTP client. Everything runs on 127.0.0.1 and stops
by itself."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SERVER_URL = os.environ.get("EVENTHUB_BENCH_POSTGRES",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WORKERS = int(os.environ.get("EVENTHUB_BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("EVENTHUB_BENCH_THREADS", "8"))
ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "bench-password-123"


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    name = f"eventhub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "EVENTHUB_DATABASE_URL": database_url, "EVENTHUB_LOG_LEVEL": "WARNING",
            "EVENTHUB_RATE_LIMIT_LOGIN": "100000/60",
            "EVENTHUB_RATE_LIMIT_TOKEN_LINK": "100000/60"}


def prepare(database_url: str, code: str | None = None) -> None:
    """Migrate the scratch database and add the admin, with the code in `code` (a tree
    from `code_tree`) or this checkout's."""
    env = {**environment(database_url), **code_env(code)}
    run = [str(VENV_BIN / "eventhub")]
    subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*run, "users", "create", "--email", ADMIN_EMAIL, "--name", "Bench",
                    "--role", "admin", "--password", ADMIN_PASSWORD], env=env, check=True,
                   capture_output=True)


def create_floor_table(database_url: str) -> None:
    """The floor's table (benchmarks/floor_app.py), made once before its workers start."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_floor "
                                 "(id serial PRIMARY KEY, payload text NOT NULL)"))
    finally:
        engine.dispose()


DEFAULT_BASELINE = "5591374"


@contextlib.contextmanager
def code_tree(commit: str | None) -> Iterator[str | None]:
    """A temporary git worktree of `commit` (removed afterwards), to run an older version
    of the application with this checkout's virtualenv and benchmark scripts; None (this
    checkout) when no commit is given."""
    if not commit:
        yield None
        return
    import tempfile

    directory = tempfile.mkdtemp(prefix="eventhub-baseline-")
    subprocess.run(["git", "worktree", "add", "--detach", directory, commit], cwd=ROOT,
                   check=True, capture_output=True)
    try:
        yield directory
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", directory], cwd=ROOT,
                       check=False, capture_output=True)


def code_env(code: str | None) -> dict[str, str]:
    """The environment that makes Python import `eventhub` from `code` (PYTHONPATH comes
    before the virtualenv's editable install of this checkout)."""
    return {"PYTHONPATH": code} if code else {}


def code_label(code: str | None) -> str:
    if code is None:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "eventhub"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return f"this checkout ({head}{' + uncommitted changes' if dirty else ''})"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=code,
                          capture_output=True, text=True).stdout.strip()
    return f"baseline ({head})"


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    """A fresh SQLite file in a scratch directory (removed afterwards, with the WAL)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="eventhub-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'eventhub.sqlite3'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app: str, database_url: str, extra_env: dict[str, str] | None = None,
             code: str | None = None) -> Iterator[str]:
    port = free_port()
    env = {**environment(database_url), **code_env(code), **(extra_env or {})}
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(WORKERS), "--worker-class", "gthread",
         "--threads", str(THREADS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         app], cwd=code or ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def eventhub_serve(database_url: str) -> Iterator[str]:
    """The server `scripts/run` starts: `eventhub serve`, werkzeug's threaded server, one
    process (a thread per connection)."""
    port = free_port()
    process = subprocess.Popen([str(VENV_BIN / "eventhub"), "serve", "--port", str(port)],
                               cwd=ROOT, env=environment(database_url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield _wait_for(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(base: str, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def request(method: str, url: str, body: dict | None = None, token: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict | list | None, float]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        payload, status = exc.read(), exc.code
    elapsed = time.perf_counter() - started
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = None
    return status, parsed, elapsed


def login(base: str) -> str:
    status, body, _ = request("POST", base + "/api/v1/auth/token",
                              {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert status == 201, body
    return body["token"]


def processes() -> Iterator[tuple[int, str, bytes, float]]:
    """(pid, name, command line, CPU seconds used so far) of every process, from /proc
    (Linux; nothing elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        yield int(stat.parent.name), name, command, used


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the server processes (gunicorn, or `eventhub serve`, which
    on SQLite does the database's work too), PostgreSQL's processes and this client.
    Only processes alive at both readings count, which is fine within one burst against
    one server."""
    totals = {"server": 0.0, "database": 0.0, "client": 0.0}
    for pid, name, command, used in processes():
        if pid == os.getpid():
            totals["client"] += used
        elif name.startswith("postgres"):
            totals["database"] += used
        elif b"gunicorn" in command or b"eventhub\x00serve" in command:
            totals["server"] += used
    return totals


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int,
                    keys: tuple[str, ...] = ("server", "database", "client")) -> str:
    return ", ".join(f"{key} {(after[key] - before[key]) * 1000 / requests:.1f} ms"
                     for key in keys)


def burst(calls: list, clients: int) -> tuple[list[tuple[int, float]], float]:
    """Run the callables from `clients` threads, all starting together; returns each
    call's (status, seconds) and the wall time."""
    barrier = threading.Barrier(clients)
    chunks = [calls[i::clients] for i in range(clients)]

    def worker(chunk):
        barrier.wait()
        return [call() for call in chunk]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = [r for chunk in pool.map(worker, chunks) for r in chunk]
    return results, time.perf_counter() - started


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {"p50_ms": round(pick(50), 1), "p95_ms": round(pick(95), 1),
            "p99_ms": round(pick(99), 1), "mean_ms": round(statistics.mean(ordered) * 1000, 1)}


def machine() -> str:
    return f"{os.cpu_count()} cores, {WORKERS} gunicorn workers x {THREADS} threads"


def seed_large_edition(database_url: str, registrations: int = 5000) -> str:
    """An open edition with a published programme and `registrations` registrations from
    60 organizations, built in-process through the models (fast), for the read and bundle
    benchmarks. Returns the edition slug."""
    import datetime as dt

    from eventhub import create_app
    from eventhub.auth.permissions import SYSTEM
    from eventhub.directory.models import Organization, OrganizationKind, Person
    from eventhub.editions import service as editions
    from eventhub.extensions import db
    from eventhub.programme import service as programme
    from eventhub.registrations.models import Attendance, Registration, RegistrationRole
    from eventhub.registrations.models import RegistrationStatus as Status

    app = create_app({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"})
    slug = "bench-large"
    with app.app_context():
        editions.create_series(SYSTEM, {"slug": "bench-large", "name": "Bench"})
        authority = OrganizationKind.NATIONAL_AUTHORITY
        organizations = [Organization(name=f"Authority {i}", kind=authority,
                                      country_code=code, country_name=code)
                         for i, code in enumerate(["AO", "KH", "EC", "HU", "IR", "MN", "RU", "SA",
                                                   "RS", "SG", "SB", "ES", "TZ", "CN", "FR"] * 4)]
        db.session.add_all(organizations)
        db.session.flush()
        editions.create_edition(SYSTEM, {
            "series": "bench-large", "ordinal": 1, "slug": slug, "title": "Large edition",
            "time_zone": "Asia/Shanghai", "start_date": dt.date(2027, 9, 9),
            "end_date": dt.date(2027, 9, 10), "capacity": None,
            "host_organization_id": organizations[0].id})
        editions.change_status(SYSTEM, slug, editions.EditionStatus.OPEN)
        edition = editions.get_edition(SYSTEM, slug)
        people = [Person(full_name=f"Delegate {n}", position="Officer",
                         email=f"delegate-{n}@bench.example.org",
                         organization_id=organizations[n % len(organizations)].id)
                  for n in range(registrations)]
        db.session.add_all(people)
        db.session.flush()
        statuses = [Status.CONFIRMED] * 8 + [Status.WAITLISTED, Status.CANCELLED]
        db.session.add_all([Registration(
            edition_id=edition.id, person_id=person.id, role=RegistrationRole.DELEGATE,
            status=statuses[n % len(statuses)], attendance=Attendance.IN_PERSON,
            badge_code=f"B{n:09d}") for n, person in enumerate(people)])
        start = dt.datetime(2027, 9, 9, 9, 0)
        for index in range(20):
            item = programme.create_item(SYSTEM, slug, {
                "kind": "breakout_session" if index % 4 else "plenary",
                "title": f"Session {index}", "room": f"Room {index % 5}",
                "starts_at": start + dt.timedelta(hours=index // 5),
                "ends_at": start + dt.timedelta(hours=index // 5, minutes=50)})
            for speaker in range(3):
                programme.add_speech(SYSTEM, slug, item.id, {
                    "person_id": people[index * 3 + speaker].id, "role": "panellist"})
        programme.publish(SYSTEM, slug, "Benchmark programme")
        db.session.commit()
    return slug
