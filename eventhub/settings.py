"""Settings: defaults from config/defaults.toml, overridden by EVENTHUB_* environment variables."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = PROJECT_ROOT / "config" / "defaults.toml"
ENV_PREFIX = "EVENTHUB_"
# Links in development when PUBLIC_BASE_URL is empty and no `eventhub serve` said where it
# listens: the development server's default address.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class SettingsError(RuntimeError):
    """A setting is missing or cannot be parsed; the process must not start."""


def _coerce(key: str, raw: str, default: Any) -> Any:
    # The type of each default decides how its environment variable is read, so a
    # typo such as EVENTHUB_PAGE_SIZE=fifty fails at start-up, not at the first request.
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{ENV_PREFIX}{key} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"{ENV_PREFIX}{key} must be an integer, not {raw!r}") from exc
    return raw


def load_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    with DEFAULTS_FILE.open("rb") as fh:
        defaults = tomllib.load(fh)
    settings = dict(defaults)
    for key, default in defaults.items():
        env_key = ENV_PREFIX + key
        if env_key in environ:
            settings[key] = _coerce(key, environ[env_key], default)
    return settings


def validate_settings(settings: dict[str, Any]) -> None:
    if settings["ENV"] not in {"development", "production"}:
        raise SettingsError("EVENTHUB_ENV must be 'development' or 'production'")
    if settings["ENV"] == "production":
        if settings["SECRET_KEY"] == "dev-only-not-secret" or len(settings["SECRET_KEY"]) < 32:
            raise SettingsError("production needs EVENTHUB_SECRET_KEY of at least 32 characters")
        if not settings["DATABASE_URL"]:
            raise SettingsError("production needs EVENTHUB_DATABASE_URL")
        if not settings["DATA_ENCRYPTION_KEY"]:
            raise SettingsError("production needs EVENTHUB_DATA_ENCRYPTION_KEY "
                                "(a Fernet key) for passport details")
        if not settings["PUBLIC_BASE_URL"].strip():
            raise SettingsError("production needs EVENTHUB_PUBLIC_BASE_URL, the address "
                                "people reach the service at (e.g. "
                                "https://eventhub.example.org): links in e-mails use it")
    _complete_public_base_url(settings)
    if settings["LOG_FORMAT"] not in {"text", "json"}:
        raise SettingsError("EVENTHUB_LOG_FORMAT must be 'text' or 'json'")
    for key in ("RATE_LIMIT_LOGIN", "RATE_LIMIT_TOKEN_LINK"):
        count, _, seconds = settings[key].partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
            raise SettingsError(f"{ENV_PREFIX}{key} must look like 10/300 "
                                "(requests per seconds)")
    if not settings["CAPACITY_GUARD"] and settings["ENV"] == "production":
        raise SettingsError("EVENTHUB_CAPACITY_GUARD=false is for tests only")
    if not settings["OUTBOX_CLAIM_GUARD"] and settings["ENV"] == "production":
        raise SettingsError("EVENTHUB_OUTBOX_CLAIM_GUARD=false is for tests only")
    if settings["INVITATION_REMINDER_DAYS"] < 0:
        raise SettingsError(f"{ENV_PREFIX}INVITATION_REMINDER_DAYS must be 0 or more")
    for key in ("TOKEN_TTL_SECONDS", "MAX_CONTENT_LENGTH", "CREDENTIAL_MAX_BYTES",
                "ARCHIVE_IMPORT_MAX_BYTES",
                "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB",
                "REGISTRATION_LOCK_TIMEOUT_MS", "MAIL_MAX_ATTEMPTS",
                "WORKER_INTERVAL_SECONDS", "OUTBOX_STALL_MINUTES"):
        if settings[key] <= 0:
            raise SettingsError(f"{ENV_PREFIX}{key} must be positive")


def _complete_public_base_url(settings: dict[str, Any]) -> None:
    """Check PUBLIC_BASE_URL and store it without a trailing slash; an empty one (development
    only) becomes the development server's address, and PUBLIC_BASE_URL_IS_DEFAULT says so,
    so that `eventhub serve --host/--port` may put the address it listens on instead."""
    given = settings["PUBLIC_BASE_URL"].strip()
    settings["PUBLIC_BASE_URL_IS_DEFAULT"] = not given
    if not given:
        settings["PUBLIC_BASE_URL"] = DEVELOPMENT_BASE_URL
        return
    parts = urlsplit(given)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(f"{ENV_PREFIX}PUBLIC_BASE_URL must be an http(s) address such as "
                            f"https://eventhub.example.org, not {given!r}")
    settings["PUBLIC_BASE_URL"] = given.rstrip("/")


def listening_base_url(host: str, port: int) -> str:
    """The address of a server listening on host:port, as a link in a mail gives it: a
    server on every interface is named by this machine's name."""
    import socket

    if host in {"", "0.0.0.0", "::"}:
        host = socket.getfqdn()
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"
