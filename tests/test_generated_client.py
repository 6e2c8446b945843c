"""A client generated from /api/openapi.json by openapi-python-client works against a live
server without hand edits: sign in, read, create, a 422 and a 404 as problem documents,
a PDF (tools/openapi-python/smoke.py says each step).

openapi-python-client lives in a venv of its own (tools/openapi-python/setup, pinned in
tools/openapi-python/requirements.txt; .ci/run prepares it before the suites). This test
never skips: a tool that cannot be installed or a client that cannot be generated fails
it. The generated client is kept per document (by its hash) under .venv-tools, so the
suites of one run, and later runs, generate it once."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PASSWORD, make_user

from eventhub.auth.models import Role

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "openapi-python"
VENV = ROOT / ".venv-tools" / "openapi-python"


def _tool_venv() -> Path:
    result = subprocess.run(["bash", str(TOOLS / "setup")], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, (
        f"openapi-python-client could not be installed:\n{result.stdout}\n{result.stderr}")
    return VENV


@pytest.fixture(scope="module")
def generated_client(app) -> Path:
    """The package generated from the app's document: the directory to put on PYTHONPATH."""
    venv = _tool_venv()
    document = app.test_client().get("/api/openapi.json").get_json()
    text = json.dumps(document, sort_keys=True)
    config = (TOOLS / "config.yaml").read_text()
    key = hashlib.sha256((text + config + (TOOLS / "requirements.txt").read_text())
                         .encode()).hexdigest()[:16]
    target = ROOT / ".venv-tools" / "generated" / key
    with open(ROOT / ".venv-tools" / "generated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "eventhub_client" / "__init__.py").exists():
            work = target.with_name(key + f".{os.getpid()}")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            (work / "openapi.json").write_text(text)
            result = subprocess.run(
                [str(venv / "bin" / "openapi-python-client"), "generate",
                 "--path", str(work / "openapi.json"), "--output-path", str(work / "client"),
                 "--config", str(TOOLS / "config.yaml"), "--fail-on-warning"],
                capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, (
                f"openapi-python-client refused the document:\n{result.stdout}\n"
                f"{result.stderr}")
            shutil.rmtree(target, ignore_errors=True)
            (work / "client").rename(target)
            shutil.rmtree(work, ignore_errors=True)
    return target


def test_a_generated_client_signs_in_reads_creates_and_reads_problems_and_a_pdf(
        app, live_server, generated_client):
    email = make_user(app, Role.ADMIN)
    result = subprocess.run(
        [str(VENV / "bin" / "python"), str(TOOLS / "smoke.py"), live_server, email, PASSWORD],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(generated_client)})
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "all steps passed" in result.stdout
