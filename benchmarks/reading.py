"""Benchmark 3: reading the programme and the roster of an edition with 5,000
registrations: p95 latency over HTTP (gunicorn) and SQL statements per request.

    .venv/bin/python benchmarks/reading.py [--registrations 5000] [--requests 300]
"""

from __future__ import annotations

import argparse
import functools

import sqlalchemy as sa
from _common import (
    burst,
    gunicorn,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    with scratch_database() as database_url:
        prepare(database_url)
        slug = seed_large_edition(database_url, args.registrations)
        paths = {"programme (public)": f"/api/v1/editions/{slug}/programme",
                 "roster page of 100": f"/api/v1/editions/{slug}/registrations?page_size=100",
                 "roster last page": f"/api/v1/editions/{slug}/registrations?page_size=100"
                                     f"&page={args.registrations // 100}",
                 "counts": f"/api/v1/editions/{slug}/registration-counts"}
        print(f"machine: {machine()}; edition with {args.registrations} registrations")
        with gunicorn("eventhub:create_app()", database_url) as base:
            token = login(base)
            for label, path in paths.items():
                calls = [functools.partial(lambda p: request("GET", base + p, token=token)[::2],
                                           path) for _ in range(args.requests)]
                results, wall = burst(calls, args.clients)
                ok = [seconds for status, seconds in results if status == 200]
                print(f"  {label}: {len(ok)}/{len(results)} ok, {len(ok) / wall:.1f} req/s, "
                      f"{percentiles(ok)}")
            queries = statements_per_request(database_url, list(paths.values()), token)
        for label, path in paths.items():
            print(f"  SQL statements per request, {label}: {queries[path]}")


if __name__ == "__main__":
    main()
