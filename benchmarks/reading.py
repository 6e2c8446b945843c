"""Benchmark 3: reading the programme and the roster of an edition with 5,000
registrations: p95 latency over HTTP (gunicorn), SQL statements per request, and the
roster page's own cost in-process (the app's CPU and wall time per request on the test
client, no HTTP server between: the issue's "10 ms of app CPU, 30 ms wall" target).

    .venv/bin/python benchmarks/reading.py [--registrations 5000] [--requests 300]
        [--baseline 5591374 | --no-baseline] [--in-process-only]

By default the in-process figures are measured first for the baseline commit (checked
out in a temporary git worktree, run with this virtualenv, on a scratch database of its
own), then for this checkout, back to back; the HTTP burst runs for this checkout only
(--http-baseline adds it for the baseline too).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import time

import sqlalchemy as sa
from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DEFAULT_BASELINE,
    burst,
    code_env,
    code_label,
    code_tree,
    gunicorn,
    load_average,
    login,
    machine,
    percentiles,
    prepare,
    request,
    scratch_database,
    seed_large_edition,
)


def statements_per_request(database_url: str, paths: list[str], token: str) -> dict[str, int]:
    """Counted in-process with a cursor hook, on the same database."""
    from eventhub import create_app
    from eventhub.extensions import db

    app = create_app({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"})
    counts = {}
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    for path in paths:
        seen.clear()
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_data(as_text=True)[:200]
        counts[path] = len(seen)
    return counts


def analyze(database_url: str) -> None:
    """Planner statistics for the seeded rows, as autovacuum gathers them after a bulk
    load: without them PostgreSQL guesses a handful of rows per edition and sorts the
    whole edition for every page."""
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()


def in_process(database_url: str, slug: str, registrations: int, repeat: int) -> dict:
    """The roster pages' app CPU and wall time per request, measured on the test client
    (median of `repeat` requests after a few to warm up), and their SQL statements."""
    from eventhub import create_app
    from eventhub.auth import service as auth
    from eventhub.extensions import db

    app = create_app({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        token, _ = auth.issue_token(ADMIN_EMAIL, ADMIN_PASSWORD, 3600)
        db.session.commit()
        engine = db.engine
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures = {}
    for label, path in (
            ("roster page of 100", f"/api/v1/editions/{slug}/registrations?page_size=100"),
            ("roster last page", f"/api/v1/editions/{slug}/registrations?page_size=100"
                                 f"&page={registrations // 100}")):
        cpu, wall = [], []
        for attempt in range(repeat + 5):
            seen.clear()
            started_cpu, started = time.process_time(), time.perf_counter()
            response = client.get(path, headers=headers)
            if attempt >= 5:
                cpu.append(time.process_time() - started_cpu)
                wall.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)[:200]
            assert len(response.get_json()) == 100
        figures[label] = {"cpu_ms": statistics.median(cpu) * 1000,
                          "wall_ms": statistics.median(wall) * 1000,
                          "statements": len(seen)}
    return figures


def measure_in_process(code: str | None, registrations: int, repeat: int) -> dict:
    """in_process() for the code in `code` (None: this checkout), in a process of its own
    importing that code, on a scratch database seeded by that code."""
    with scratch_database() as database_url:
        prepare(database_url, code)
        result = subprocess.run(
            [sys.executable, __file__, "--in-process-only", database_url,
             "--registrations", str(registrations), "--repeat", str(repeat)],
            env={**os.environ, **code_env(code)}, capture_output=True, text=True,
            check=False)
        if result.returncode:
            raise RuntimeError(result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1])


def http_burst(code: str | None, registrations: int, requests: int, clients: int) -> None:
    with scratch_database() as database_url:
        prepare(database_url, code)
        slug = seed_large_edition(database_url, registrations)
        analyze(database_url)
        paths = {"programme (public)": f"/api/v1/editions/{slug}/programme",
                 "roster page of 100": f"/api/v1/editions/{slug}/registrations?page_size=100",
                 "roster last page": f"/api/v1/editions/{slug}/registrations?page_size=100"
                                     f"&page={registrations // 100}",
                 "counts": f"/api/v1/editions/{slug}/registration-counts"}
        print(f"HTTP, {code_label(code)}, load average {load_average()}:")
        with gunicorn("eventhub:create_app()", database_url, code=code) as base:
            token = login(base)
            for label, path in paths.items():
                calls = [functools.partial(lambda p: request("GET", base + p, token=token)[::2],
                                           path) for _ in range(requests)]
                results, wall = burst(calls, clients)
                ok = [seconds for status, seconds in results if status == 200]
                print(f"  {label}: {len(ok)}/{len(results)} ok, {len(ok) / wall:.1f} req/s, "
                      f"{percentiles(ok)}")
            queries = statements_per_request(database_url, list(paths.values()), token)
        for label, path in paths.items():
            print(f"  SQL statements per request, {label}: {queries[path]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=50,
                        help="in-process requests per roster page (median)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE,
                        help="the commit to compare with (default %(default)s)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--http-baseline", action="store_true",
                        help="the HTTP burst for the baseline too")
    parser.add_argument("--in-process-only", metavar="DATABASE_URL",
                        help="(internal) seed this database and print the in-process "
                             "figures as JSON")
    args = parser.parse_args()
    if args.in_process_only:
        slug = seed_large_edition(args.in_process_only, args.registrations)
        analyze(args.in_process_only)
        print(json.dumps(in_process(args.in_process_only, slug, args.registrations,
                                    args.repeat)))
        return

    print(f"machine: {machine()}; edition with {args.registrations} registrations; "
          f"load average at the start: {load_average()}")
    commits = ([] if args.no_baseline else [args.baseline]) + [None]
    for commit in commits:
        with code_tree(commit) as code:
            label = code_label(code)
            figures = measure_in_process(code, args.registrations, args.repeat)
            print(f"in-process, {label} (load average {load_average()}; target: page of "
                  "100 in 10 ms app CPU, 30 ms wall):")
            for page, values in figures.items():
                print(f"  {page}: app CPU {values['cpu_ms']:.1f} ms, wall "
                      f"{values['wall_ms']:.1f} ms, {values['statements']} SQL statements "
                      "(medians)")
            if commit is None or args.http_baseline:
                http_burst(code, args.registrations, args.requests, args.clients)
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
