"""The README's run command, for real: a fresh database, `scripts/run`, then HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, accept: str = "application/json") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


@pytest.fixture
def fresh_database_url(tmp_path, is_postgres):
    if not is_postgres:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    server_url = os.environ["EVENTHUB_TEST_DATABASE_URL"]
    name = f"eventhub_run_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_run_command_migrates_seeds_and_serves_the_2024_record(fresh_database_url):
    port = free_port()
    env = {**os.environ, "EVENTHUB_DATABASE_URL": fresh_database_url,
           "EVENTHUB_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(ROOT / "scripts" / "run"), "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    base = f"http://127.0.0.1:{port}"
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                pytest.fail("scripts/run exited early:\n" + "".join(output))
            output.append(line)
            if "Worker:" in line:  # the last line: the worker is started beside the server
                break
        assert f"{base}/api/docs" in "".join(output)
        assert "Loaded edition 2024-suzhou" in "".join(output)
        for _ in range(100):
            try:
                fetch(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)

        status, kind, body = fetch(f"{base}/api/docs", accept="text/html")
        assert (status, kind) == (200, "text/html")
        assert b"swagger-ui" in body
        status, kind, body = fetch(f"{base}/api/openapi.json")
        assert json.loads(body)["openapi"].startswith("3.")
        assert json.loads(fetch(f"{base}/readyz")[2])["status"] == "ready"

        edition = json.loads(fetch(f"{base}/api/v1/editions/2024-suzhou")[2])
        assert edition["status"] == "archived"
        assert {f["key"]: (f["qualifier"], f["value"]) for f in edition["figures"]} == {
            "guests": ("about", 300), "countries_and_regions": (None, 57),
            "breakout_sessions": (None, 4)}
        participants = json.loads(fetch(f"{base}/api/v1/editions/2024-suzhou/participants")[2])
        assert len(participants["organizations"]) == 21
        assert len(participants["people"]) == 18
        programme = json.loads(fetch(f"{base}/api/v1/editions/2024-suzhou/programme")[2])
        assert [len(item["speeches"]) for item in programme["items"]] == [3, 15, 0, 0, 0, 0, 0]
        statements = json.loads(fetch(f"{base}/api/v1/editions/2024-suzhou/statements")[2])
        text = fetch(f"{base}/api/v1/editions/2024-suzhou/statements/{statements[0]['id']}",
                     accept="text/plain")[2].decode()
        assert text.startswith("Chair's Statement at Sub-Forum")
        assert "VIII. All attendees" in text

        # The worker runs beside the server: its heartbeat shows in /healthz.
        assert f"Links in e-mails:  {base}" in "".join(output)
        deadline = time.monotonic() + 120
        while json.loads(fetch(f"{base}/healthz")[2])["worker"]["status"] != "running":
            assert time.monotonic() < deadline, "the worker never reported"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=40)
    # Stopping the server stopped the worker too: it marked its heartbeat stopped.
    engine = sa.create_engine(fresh_database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT stopped_at FROM worker_heartbeats")).all()
    finally:
        engine.dispose()
    assert len(rows) == 1 and rows[0][0] is not None


def test_production_refuses_to_start_without_public_base_url(fresh_database_url):
    env = {**os.environ, "EVENTHUB_DATABASE_URL": fresh_database_url,
           "EVENTHUB_ENV": "production",
           "EVENTHUB_SECRET_KEY": "a-test-secret-that-is-long-enough-0123456789",
           "EVENTHUB_DATA_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    env.pop("EVENTHUB_PUBLIC_BASE_URL", None)
    result = subprocess.run([str(Path(sys.executable).parent / "eventhub"), "worker", "--once"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "EVENTHUB_PUBLIC_BASE_URL" in result.stderr + result.stdout


def test_the_production_command_serves_from_several_workers(fresh_database_url):
    """README's production command: migrate, then gunicorn with config/gunicorn.conf.py."""
    port = free_port()
    env = {**os.environ, "EVENTHUB_DATABASE_URL": fresh_database_url,
           "EVENTHUB_LOG_LEVEL": "WARNING", "EVENTHUB_ENV": "production",
           "EVENTHUB_SECRET_KEY": "a-test-secret-that-is-long-enough-0123456789",
           "EVENTHUB_DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
           "EVENTHUB_PUBLIC_BASE_URL": "https://eventhub.example.org",
           "WEB_CONCURRENCY": "2"}
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "eventhub"), "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-c", "config/gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", "eventhub:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = fetch(f"{base}/readyz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not serve:\n" + (server.stdout.read() or ""))
                time.sleep(0.2)
        assert (status, json.loads(body)["status"]) == (200, "ready")
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            # Production mode is on: browsers are told to keep to HTTPS.
            assert "max-age" in response.headers["Strict-Transport-Security"]
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        if children.exists():
            deadline = time.monotonic() + 30
            while len(children.read_text().split()) != 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(children.read_text().split()) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
