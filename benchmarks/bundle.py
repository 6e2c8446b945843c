"""Benchmark 4: export and import of an edition with 5,000 registrations: seconds and
peak memory (Python allocations, tracemalloc), and the bundle's size.

    .venv/bin/python benchmarks/bundle.py [--registrations 5000]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

from _common import machine, prepare, scratch_database, seed_large_edition


def measured(fn):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=5000)
    args = parser.parse_args()
    from eventhub import create_app
    from eventhub.archive.bundle import dumps, export_edition, import_bundle
    from eventhub.auth.permissions import SYSTEM
    from eventhub.extensions import db

    with scratch_database() as source_url, scratch_database() as target_url:
        prepare(source_url)
        prepare(target_url)
        slug = seed_large_edition(source_url, args.registrations)
        source = create_app({"DATABASE_URL": source_url, "LOG_LEVEL": "WARNING"})
        with source.app_context():
            text, export_s, export_mb = measured(
                lambda: dumps(export_edition(SYSTEM, slug, include_personal=True)))
        target = create_app({"DATABASE_URL": target_url, "LOG_LEVEL": "WARNING"})
        with target.app_context():
            def load():
                import_bundle(SYSTEM, json.loads(text))
                db.session.commit()

            _, import_s, import_mb = measured(load)
        print(f"machine: {machine()}; edition with {args.registrations} registrations")
        print(f"  bundle: {len(text.encode()) / 2**20:.1f} MiB")
        print(f"  export: {export_s:.2f} s, peak memory {export_mb:.0f} MiB")
        print(f"  import: {import_s:.2f} s, peak memory {import_mb:.0f} MiB")


if __name__ == "__main__":
    main()
