"""Benchmarks 1 and 2: a registration burst against an edition with capacity 300, and the
floor (one INSERT per request) on the same server and database, bare and inside
EventHub's application (benchmarks/floor_app.py).

    .venv/bin/python benchmarks/registration_burst.py [--registrations 2000] [--clients 50]
        [--baseline 5591374 | --no-baseline]

By default the burst runs twice back to back, each on a scratch database of its own: first
against the baseline commit (checked out in a temporary git worktree and served with this
checkout's virtualenv), then against this checkout; the machine is shared, so only figures
measured in the same run compare. Then the floors, and the ratios.

Needs PostgreSQL (EVENTHUB_BENCH_POSTGRES, default the local server); creates and drops a
scratch database. Prints throughput, latency percentiles, confirmed and overbooked counts,
CPU time per request of the server, the database and this client (Linux), and our
throughput as a ratio of the floor's.

    .venv/bin/python benchmarks/registration_burst.py --sqlite [--registrations 2000]

The same burst on the embedded default: a fresh SQLite file served by `eventhub serve`,
the threaded server `scripts/run` starts (one process; the floors are PostgreSQL's).
"""

from __future__ import annotations

import argparse
import functools
import os
import uuid

from _common import (
    DEFAULT_BASELINE,
    burst,
    code_label,
    code_tree,
    cpu_per_request,
    cpu_seconds,
    create_floor_table,
    eventhub_serve,
    gunicorn,
    load_average,
    login,
    machine,
    percentiles,
    prepare,
    request,
    scratch_database,
    sqlite_database,
)

CAPACITY = 300


def register(base: str, token: str, slug: str, n: int) -> tuple[int, float]:
    body = {"full_name": f"Delegate {n}", "email": f"delegate-{n}@bench.example.org",
            "role": "delegate"}
    total = 0.0
    for _ in range(20):
        status, _, elapsed = request("POST", f"{base}/api/v1/editions/{slug}/registrations",
                                     body, token, {"Idempotency-Key": f"bench-{n}"})
        total += elapsed
        if status != 409:  # Busy: retry as a client told Retry-After would
            break
    return status, total


def floor_call(base: str, n: int) -> tuple[int, float]:
    status, _, elapsed = request("POST", f"{base}/floor", {"n": n})
    return status, elapsed


def registration_burst(base: str, registrations: int, clients: int,
                       cpu: tuple[str, ...] = ("server", "database", "client")
                       ) -> tuple[float, float]:
    """The burst against one server; prints its figures, returns registrations/s and the
    server's CPU seconds per registration."""
    token = login(base)
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    request("POST", f"{base}/api/v1/series", {"slug": "bench", "name": "Bench"}, token)
    status, body, _ = request("POST", f"{base}/api/v1/editions", {
        "series": "bench", "ordinal": 1, "slug": slug, "title": "Burst",
        "time_zone": "Asia/Shanghai", "start_date": "2027-09-09",
        "end_date": "2027-09-10", "capacity": CAPACITY}, token)
    assert status == 201, body
    request("POST", f"{base}/api/v1/editions/{slug}/status", {"status": "open"}, token)
    calls = [functools.partial(register, base, token, slug, n) for n in range(registrations)]
    cpu_before = cpu_seconds()
    results, wall = burst(calls, clients)
    cpu_after = cpu_seconds()
    cpu_ours = cpu_per_request(cpu_before, cpu_after, len(calls), cpu)
    _, counts, _ = request("GET", f"{base}/api/v1/editions/{slug}/registration-counts",
                           token=token)
    ok = [seconds for status, seconds in results if status == 201]
    errors = len(results) - len(ok)
    confirmed = counts["by_status"]["confirmed"]
    ours = len(ok) / wall
    print(f"registration burst: {registrations} registrations, {clients} clients,"
          f" capacity {CAPACITY}")
    print(f"  throughput: {ours:.1f} registrations/s over {wall:.1f} s")
    print(f"  latency: {percentiles(ok)}")
    print(f"  confirmed: {confirmed}, waitlisted: {counts['by_status']['waitlisted']}, "
          f"overbooked: {max(0, confirmed - CAPACITY)}, failed requests: {errors}")
    print(f"  CPU per registration: {cpu_ours}")
    return ours, (cpu_after["server"] - cpu_before["server"]) / len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE,
                        help="the commit to compare with, run first (default %(default)s)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="only this checkout")
    parser.add_argument("--sqlite", action="store_true",
                        help="SQLite through `eventhub serve` (what scripts/run serves)")
    args = parser.parse_args()

    if args.sqlite:
        with sqlite_database() as database_url:
            prepare(database_url)
            with eventhub_serve(database_url) as base:
                print(f"machine: {os.cpu_count()} cores, SQLite, `eventhub serve` (werkzeug, "
                      "threaded, one process)")
                # The database works inside the server process: no "database" figure.
                registration_burst(base, args.registrations, args.clients,
                                   cpu=("server", "client"))
        return

    print(f"machine: {machine()}; load average at the start: {load_average()}")
    runs: dict[str, tuple[float, float]] = {}
    for commit in ([] if args.no_baseline else [args.baseline]) + [None]:
        with code_tree(commit) as code, scratch_database() as database_url:
            label = code_label(code)
            prepare(database_url, code)
            with gunicorn("eventhub:create_app()", database_url, code=code) as base:
                print(f"{label} (load average {load_average()}):")
                runs[label] = registration_burst(base, args.registrations, args.clients)

    with scratch_database() as database_url:
        prepare(database_url)
        create_floor_table(database_url)
        floors = {}
        for label, app in (("floor (bare Flask, one INSERT per request)",
                            "benchmarks.floor_app:app"),
                           ("the same INSERT inside EventHub's application",
                            "benchmarks.floor_app:eventhub_floor()")):
            with gunicorn(app, database_url) as base:
                calls = [functools.partial(floor_call, base, n)
                         for n in range(args.registrations)]
                cpu_before = cpu_seconds()
                results, wall = burst(calls, args.clients)
                cpu_floor = cpu_per_request(cpu_before, cpu_seconds(), len(calls))
            floor_ok = [seconds for status, seconds in results if status == 201]
            floors[label] = len(floor_ok) / wall
            print(f"{label}: {floors[label]:.1f} requests/s, "
                  f"latency {percentiles(floor_ok)}, failed {len(results) - len(floor_ok)}")
            print(f"  CPU per request: {cpu_floor}")
    bare, in_app = floors.values()
    print(f"summary (load average at the end: {load_average()}):")
    for label, (ours, server_cpu) in runs.items():
        print(f"  {label}: {ours:.1f} registrations/s, server CPU {server_cpu * 1000:.1f} ms"
              f" per registration; throughput / bare floor {ours / bare:.2f}"
              f" (target >= 0.3), / the INSERT inside EventHub {ours / in_app:.2f}")
    if len(runs) == 2:
        (_, (old_rate, old_cpu)), (_, (new_rate, new_cpu)) = runs.items()
        print(f"  server CPU per registration, this checkout / baseline: "
              f"{new_cpu / old_cpu:.2f} (target <= 0.5); throughput {new_rate / old_rate:.2f}x")
    print(f"  the INSERT inside EventHub / the bare floor: {in_app / bare:.2f}")


if __name__ == "__main__":
    main()
