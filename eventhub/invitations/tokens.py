"""Response-link tokens for invitations.

token = base64url(HMAC-SHA256(secret key, "invitation:" + nonce)), 256 bits. The database
keeps the random nonce (128 bits) and the token's SHA-256 digest: the digest finds the
invitation for a presented token, and without the server's secret key the nonce is
useless, so neither a database copy nor the outbox reveals a working link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_for(nonce: str) -> str:
    key = current_app.config["EVENTHUB_SECRET_KEY"].encode()
    mac = hmac.new(key, f"invitation:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, stored_digest: str | None) -> bool:
    return stored_digest is not None and hmac.compare_digest(digest_of(token), stored_digest)
