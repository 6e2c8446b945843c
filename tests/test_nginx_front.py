"""The README's production set-up in front of slow clients: Debian's nginx, configured from
config/nginx.conf (without its TLS lines), in front of gunicorn started as the README says
(2 workers x 4 threads, here on an SQLite file in tmp). Forty clients that send their
request headers a line at a time must not delay /healthz beyond a second; the same drip
straight at gunicorn does (the control that shows this test can fail).

Everything listens on loopback addresses and free ports; nginx runs in the foreground with
its own prefix, pid, logs and temporary files in tmp; both are stopped afterwards.
Skipped when nginx is missing (scripts/browser-deps installs it), failed instead in CI
(CI=true or EVENTHUB_REQUIRE_BROWSER=1), like the browser tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "config" / "nginx.conf"
NGINX = os.environ.get("EVENTHUB_NGINX", "/usr/sbin/nginx")
CLIENTS = 40
DRIP_INTERVAL = 0.5
PROBES = 4


def nginx_available() -> bool:
    return bool(Path(NGINX).exists() or shutil.which(NGINX))


def require_nginx() -> None:
    if nginx_available():
        return
    message = f"nginx ({NGINX}) is needed; scripts/browser-deps installs nginx-light"
    if os.environ.get("EVENTHUB_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# config/nginx.conf as it ships ------------------------------------------------------------

def without_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0].rstrip() for line in text.splitlines())


def top_level_blocks(text: str) -> list[tuple[str, str]]:
    """[(head, body)] of the file's `head { body }` blocks (upstream, server)."""
    blocks, depth, head, start = [], 0, "", 0
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                head = text[start:i].strip()
                start = i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append((head, text[start:i]))
                start = i + 1
    assert depth == 0, "unbalanced braces in config/nginx.conf"
    return blocks


def shipped_blocks() -> dict[str, str]:
    blocks = top_level_blocks(without_comments(SHIPPED.read_text()))
    named = {}
    for head, body in blocks:
        if head.startswith("upstream"):
            named["upstream"] = body
        elif "ssl_certificate" in body:
            named["tls"] = body
        else:
            named["redirect"] = body
    assert set(named) == {"upstream", "tls", "redirect"}, [head for head, _ in blocks]
    return named


def directive(body: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^\s*{name}\s+([^;]*);", body, re.M)]


def test_the_shipped_config_buffers_limits_and_passes_the_client_address_on():
    blocks = shipped_blocks()
    tls = blocks["tls"]
    settings = tomllib.loads((ROOT / "config" / "defaults.toml").read_text())
    gunicorn = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))

    assert directive(blocks["upstream"], "server") == [gunicorn["bind"]]
    assert gunicorn["bind"].startswith("127.0.0.1:")  # nothing but this machine reaches it
    assert directive(tls, "proxy_request_buffering") == ["on"]
    assert directive(tls, "proxy_buffering") == ["on"]
    for name in ("client_header_timeout", "client_body_timeout"):
        assert directive(tls, name) == ["10s"]
        assert directive(blocks["redirect"], name) == ["10s"]
    sizes = {"6m": 6 * 1024 * 1024, "256m": 256 * 1024 * 1024}
    assert [sizes[s] for s in directive(tls, "client_max_body_size")] == [
        settings["MAX_CONTENT_LENGTH"], settings["ARCHIVE_IMPORT_MAX_BYTES"]]
    headers = directive(tls, "proxy_set_header")
    assert "X-Forwarded-For $remote_addr" in headers
    assert "X-Forwarded-Proto $scheme" in headers
    assert directive(tls, "ssl_certificate") and directive(tls, "ssl_certificate_key")
    assert all("ssl" in listen for listen in directive(tls, "listen"))
    assert directive(blocks["redirect"], "return") == ["301 https://$host$request_uri"]
    # The application trusts exactly one proxy, as example.env says.
    assert "EVENTHUB_PROXY_COUNT=1" in (ROOT / "config" / "example.env").read_text().split()


def main_config(prefix: Path, site: str) -> Path:
    (prefix / "logs").mkdir(exist_ok=True)
    (prefix / "site.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    path = prefix / "nginx.conf"
    path.write_text(f"""daemon off;
master_process on;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'logs' / 'error.log'} info;
events {{
    worker_connections 512;
}}
http {{
    access_log {prefix / 'logs' / 'access.log'};
{temp}
    include {prefix / 'site.conf'};
}}
""")
    return path


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eventhub.example.org")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_nginx_accepts_the_shipped_config_with_its_tls_server(tmp_path):
    require_nginx()
    site = SHIPPED.read_text()
    cert, key = self_signed_certificate(tmp_path)
    for name, path in (("ssl_certificate", cert), ("ssl_certificate_key", key)):
        site, count = re.subn(rf"^(\s*{name}\s+)[^;]+;", rf"\g<1>{path};", site, flags=re.M)
        assert count == 1
    config = main_config(tmp_path, site)

    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(config),
                              "-e", str(tmp_path / "logs" / "error.log")],
                             capture_output=True, text=True, timeout=30, check=False)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "test is successful" in checked.stderr


def site_without_tls(listen: str, upstream: str) -> str:
    """config/nginx.conf for the test: its upstream pointed at the test's gunicorn, its
    HTTPS server listening on a free loopback port without the TLS lines, and the port-80
    redirect left out. Every other line is the shipped one."""
    blocks = shipped_blocks()
    upstream_body = blocks["upstream"].replace(directive(blocks["upstream"], "server")[0],
                                               upstream)
    kept = [line for line in blocks["tls"].splitlines()
            if not re.match(r"\s*(listen|ssl_)", line)]
    return ("upstream eventhub_app {" + upstream_body + "}\n"
            f"server {{\n    listen {listen};\n" + "\n".join(kept) + "\n}\n")


# gunicorn and nginx, running --------------------------------------------------------------

@dataclass
class Stack:
    gunicorn: str  # http://127.0.0.1:PORT, gunicorn directly
    nginx: str  # http://127.0.0.1:PORT, through nginx
    gunicorn_log: Path


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    require_nginx()
    tmp = tmp_path_factory.mktemp("nginx-front")
    bin_dir = Path(sys.executable).parent
    env = {key: value for key, value in os.environ.items() if not key.startswith("EVENTHUB_")}
    env.update({"EVENTHUB_DATABASE_URL": f"sqlite:///{tmp / 'eventhub.sqlite3'}",
                "EVENTHUB_ENV": "production", "EVENTHUB_LOG_LEVEL": "INFO",
                "EVENTHUB_LOG_FORMAT": "json", "EVENTHUB_PROXY_COUNT": "1",
                "EVENTHUB_SECRET_KEY": "a-test-secret-that-is-long-enough-0123456789",
                "EVENTHUB_DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "EVENTHUB_PUBLIC_BASE_URL": "https://eventhub.example.org",
                # The README's set-up: two workers of four threads.
                "WEB_CONCURRENCY": "2"})
    subprocess.run([str(bin_dir / "eventhub"), "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    gunicorn_port, nginx_port = free_port(), free_port()
    gunicorn_log = tmp / "gunicorn.log"
    prefix = tmp / "nginx"
    prefix.mkdir()
    config = main_config(prefix, site_without_tls(f"127.0.0.1:{nginx_port}",
                                                  f"127.0.0.1:{gunicorn_port}"))
    nginx_log = prefix / "logs" / "error.log"
    gunicorn = nginx = None
    with open(gunicorn_log, "w") as gunicorn_out, open(prefix / "stderr.log", "w") as nginx_out:
        try:
            gunicorn = subprocess.Popen(
                [str(bin_dir / "gunicorn"), "-c", "config/gunicorn.conf.py", "--bind",
                 f"127.0.0.1:{gunicorn_port}", "eventhub:create_app()"],
                cwd=ROOT, env=env, stdout=gunicorn_out, stderr=subprocess.STDOUT)
            wait_until_serving(f"http://127.0.0.1:{gunicorn_port}/readyz", gunicorn,
                               gunicorn_log, 60)
            nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config),
                                      "-e", str(nginx_log)],
                                     stdout=nginx_out, stderr=subprocess.STDOUT)
            wait_until_serving(f"http://127.0.0.1:{nginx_port}/healthz", nginx, nginx_log, 20)
            yield Stack(gunicorn=f"http://127.0.0.1:{gunicorn_port}",
                        nginx=f"http://127.0.0.1:{nginx_port}", gunicorn_log=gunicorn_log)
        finally:
            stop(nginx, signal.SIGQUIT)  # graceful: open connections are finished
            stop(gunicorn)


@contextlib.contextmanager
def dripping_clients(base: str, count: int, seconds: float) -> Iterator[list[socket.socket]]:
    """`count` clients that start GET /healthz and then send one more header line every
    half second, never ending their headers, for at most `seconds` (or until the block
    ends)."""
    port = int(base.rsplit(":", 1)[1])
    clients: list[socket.socket] = []
    done = threading.Event()

    def drip() -> None:
        deadline = time.monotonic() + seconds
        line = 0
        while not done.wait(DRIP_INTERVAL) and time.monotonic() < deadline:
            line += 1
            for client in clients:
                with contextlib.suppress(OSError):
                    client.sendall(f"X-Drip-{line}: {'x' * 8}\r\n".encode())

    try:
        for _ in range(count):
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: eventhub.example.org\r\n")
            clients.append(client)
        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()
        # Let every client be accepted and start its headers before anyone measures.
        time.sleep(1)
        yield clients
    finally:
        done.set()
        for client in clients:
            with contextlib.suppress(OSError):
                client.close()


def healthz_seconds(base: str, timeout: float) -> tuple[float, int | None]:
    """How long GET /healthz took on a new connection, and its status (None: none came
    within `timeout`)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:
            response.read()
            return time.monotonic() - started, response.status
    except (OSError, urllib.error.URLError):
        return time.monotonic() - started, None


def test_healthz_answers_within_a_second_while_40_clients_drip_headers_into_nginx(stack):
    with dripping_clients(stack.nginx, CLIENTS, seconds=8) as clients:
        probes = [healthz_seconds(stack.nginx, timeout=5) for _ in range(PROBES)]

        assert [status for _, status in probes] == [200] * PROBES
        assert max(seconds for seconds, _ in probes) < 1.0, probes
        # The slow clients were held by nginx, not dropped: once their headers end, each
        # gets its answer from gunicorn.
        for client in clients:
            client.sendall(b"Connection: close\r\n\r\n")
        for client in clients:
            client.settimeout(10)
            assert client.recv(64).startswith(b"HTTP/1.1 200"), "a dripping client got no 200"


def test_the_app_sees_the_client_address_nginx_passes_on_not_a_forged_one(stack):
    # The client connects from another loopback address than nginx's own, and claims an
    # address of its own in X-Forwarded-For: the application must log the real one.
    path = f"/nginx-front-{uuid.uuid4().hex}"
    port = int(stack.nginx.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10,
                                  source_address=("127.0.0.2", 0)) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: eventhub.example.org\r\n"
                       "X-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n".encode())
        assert client.recv(64).startswith(b"HTTP/1.1 404")

    deadline = time.monotonic() + 10
    entries: list[dict] = []
    while not entries and time.monotonic() < deadline:
        for line in stack.gunicorn_log.read_text(errors="replace").splitlines():
            if path in line and line.startswith("{"):
                entry = json.loads(line)
                if entry.get("logger") == "eventhub.access":
                    entries.append(entry)
        time.sleep(0.1)
    assert [entry["remote_addr"] for entry in entries] == ["127.0.0.2"]


def test_the_same_drip_straight_at_gunicorn_delays_healthz(stack):
    """The control: without nginx, the slow clients hold every gunicorn thread."""
    try:
        with dripping_clients(stack.gunicorn, CLIENTS, seconds=15):
            probes = [healthz_seconds(stack.gunicorn, timeout=2) for _ in range(PROBES)]
        assert max(seconds for seconds, _ in probes) > 1.0, probes
    finally:
        # The clients are gone; gunicorn's threads free themselves again.
        deadline = time.monotonic() + 30
        while healthz_seconds(stack.gunicorn, timeout=2)[1] != 200:
            assert time.monotonic() < deadline, "gunicorn did not recover"
