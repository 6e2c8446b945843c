"""Benchmark 4: export and import of an edition with 5,000 registrations, through the HTTP
API (in-process test client: what an admin's download and upload cost the server), for
the code before a change and the code now, back to back on the same machine.

    .venv/bin/python benchmarks/bundle.py [--registrations 5000] [--before REV | --no-before]

The edition is seeded once into a scratch PostgreSQL database. Each measurement runs in a
fresh process (so its peak memory is its own): the export downloads the bundle into a
file; the import uploads that file into another scratch database, empty apart from the
admin. The code "before" is checked out into a temporary git worktree and imported from
there (same virtual environment, same database schema). Printed per run: wall time, the
process's CPU time, PostgreSQL's CPU time for the scratch database, and peak memory: the
process's peak resident set during the operation (VmHWM, reset just before it; Linux)
and its growth over the resident set before it (the app with its imports takes part of
it). With --tracemalloc, the
peak of Python allocations during the operation is measured too, in a second run per
operation (tracemalloc slows Python down, so its run is not the one timed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ROOT,
    SERVER_URL,
    load_average,
    prepare,
    processes,
    scratch_database,
    seed_large_edition,
)

# The main this benchmark's change started from (the bundle code before streaming export
# and bulk import); pass --before to compare with another commit.
BEFORE = "5591374"


def database_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to `database` (other
    sessions on the same server are not counted)."""
    return sum(used for _, _, command, used in processes()
               if b"postgres" in command and f" {database} ".encode() in command)


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


# The measured process ---------------------------------------------------------------------

def child(operation: str, database_url: str, path: str, slug: str, trace: bool) -> None:
    import tracemalloc

    import sqlalchemy as sa

    import eventhub
    from eventhub import create_app

    app = create_app({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    response = client.post("/api/v1/auth/token",
                           json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {response.json['token']}"
    database = sa.make_url(database_url).database
    body = Path(path).read_bytes() if operation == "import" else b""

    resident_before = _status_mib("VmRSS")
    # Linux: "5" resets the peak resident set (VmHWM) to the current one, so the peak read
    # afterwards is the operation's (starting the app peaks higher than what it keeps).
    Path("/proc/self/clear_refs").write_text("5")
    if trace:
        tracemalloc.start()
    cpu_started, db_started = time.process_time(), database_cpu(database)
    started = time.perf_counter()
    if operation == "export":
        response = client.get(f"/api/v1/editions/{slug}/export?include_personal=true",
                              buffered=False)
        assert response.status_code == 200, response.status_code
        size = 0
        with open(path, "wb") as out:
            for chunk in response.iter_encoded():
                out.write(chunk)
                size += len(chunk)
        response.close()
    else:
        response = client.post("/api/v1/archive/import", data=body,
                               content_type="application/json")
        assert response.status_code == 201, response.get_data(as_text=True)[:2000]
        size = len(body)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    # Backends report their CPU time to /proc as they go; a moment lets the last land.
    time.sleep(0.2)
    result = {"wall": wall, "cpu": cpu, "database_cpu": database_cpu(database) - db_started,
              "resident": _status_mib("VmHWM"),
              "startup_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "resident_before": resident_before, "traced": traced, "bytes": size,
              "code": str(Path(eventhub.__file__).resolve().parents[1])}
    print("RESULT " + json.dumps(result))


# The orchestration ----------------------------------------------------------------------

def measure(code: Path, operation: str, database_url: str, path: str, slug: str,
            trace: bool = False) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "EVENTHUB_LOG_LEVEL": "WARNING",
           "EVENTHUB_RATE_LIMIT_LOGIN": "100000/60"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", operation,
         "--database", database_url, "--file", path, "--slug", slug,
         *(["--tracemalloc"] if trace else [])],
        env=env, cwd=code, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{operation} with {code} failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    if Path(result["code"]) != code.resolve():
        raise RuntimeError(f"the measured process ran {result['code']}, not {code}")
    return result


def shown(label: str, operation: str, r: dict, load: tuple[str, str]) -> str:
    traced = f", Python allocations peak {r['traced']:.0f} MiB" if r["traced"] else ""
    return (f"  {label:6} {operation}: {r['wall']:6.2f} s wall, CPU {r['cpu']:.2f} s "
            f"(+ PostgreSQL {r['database_cpu']:.2f} s), peak resident {r['resident']:.0f} MiB "
            f"(+{r['resident'] - r['resident_before']:.0f} MiB over the {r['resident_before']:.0f} "
            f"MiB before it){traced}; "
            f"load {load[0]} -> {load[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--before", default=BEFORE,
                        help=f"the commit to compare with (default {BEFORE})")
    parser.add_argument("--no-before", action="store_true", help="measure this code only")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure the peak of Python allocations (slower)")
    parser.add_argument("--child", choices=("export", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database, args.file, args.slug, args.tracemalloc)
        return

    with tempfile.TemporaryDirectory(prefix="eventhub-bundle-bench-") as scratch:
        codes = [("after", ROOT)]
        if not args.no_before:
            before = Path(scratch) / "before"
            subprocess.run(["git", "worktree", "add", "--detach", str(before), args.before],
                           cwd=ROOT, check=True, capture_output=True)
            codes.insert(0, ("before", before))
        try:
            run(args, codes, Path(scratch))
        finally:
            if not args.no_before:
                subprocess.run(["git", "worktree", "remove", "--force", str(before)],
                               cwd=ROOT, check=False, capture_output=True)


@contextlib.contextmanager
def copy_of(template_url: str) -> Iterator[str]:
    """A scratch database made as a copy of another (migrated, with the admin): faster
    than migrating each anew."""
    template = sa.make_url(template_url).database
    name = f"eventhub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield sa.make_url(template_url).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(args: argparse.Namespace, codes: list[tuple[str, Path]], scratch: Path) -> None:
    started = load_average()
    with scratch_database() as empty_url, scratch_database() as source_url:
        prepare(empty_url)
        prepare(source_url)
        slug = seed_large_edition(source_url, args.registrations)
        print(f"{os.cpu_count()} cores; edition with {args.registrations} registrations; "
              f"load average {started} before seeding, {load_average()} after", flush=True)
        for label, code in codes:
            path = str(scratch / f"{label}.json")
            load = load_average()
            exported = measure(code, "export", source_url, path, slug)
            print(shown(label, "export", exported, (load, load_average())), flush=True)
            with copy_of(empty_url) as target_url:
                load = load_average()
                imported = measure(code, "import", target_url, path, slug)
                print(shown(label, "import", imported, (load, load_average())), flush=True)
            print(f"  {label:6} bundle: {exported['bytes'] / 2**20:.1f} MiB", flush=True)
            if args.tracemalloc:
                traced = measure(code, "export", source_url, path, slug, trace=True)
                with copy_of(empty_url) as target_url:
                    traced_import = measure(code, "import", target_url, path, slug, trace=True)
                print(f"  {label:6} Python allocations peak (tracemalloc): export "
                      f"{traced['traced']:.0f} MiB, import {traced_import['traced']:.0f} MiB",
                      flush=True)


if __name__ == "__main__":
    main()
