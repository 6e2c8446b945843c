"""Encryption at rest for passport details (Fernet: AES-128-CBC + HMAC-SHA256, a random IV
per value, so two encryptions of one value differ).

The key is EVENTHUB_DATA_ENCRYPTION_KEY. It may hold several comma-separated Fernet keys to
rotate cheaply: the first encrypts, every one of them decrypts (MultiFernet), so a new key
is put first, the old one kept after it until `reencrypt` has been run over the stored
values, then dropped. With no key set, development derives one from SECRET_KEY
(HKDF-SHA256); production refuses to start without a key (eventhub.settings) and this
module refuses again, in case settings were bypassed.

Neither the key nor any plaintext is ever put into an exception message or a log record.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

HKDF_INFO = b"eventhub passport details"
_GENERATE_HINT = ("generate one with: python -c \"from cryptography.fernet import Fernet; "
                  "print(Fernet.generate_key().decode())\"")


class EncryptionKeyError(RuntimeError):
    """The configured key cannot be used; the message names the setting, never the key."""


class DecryptionError(RuntimeError):
    """A stored value does not decrypt with any configured key (a key was dropped or
    changed without keeping the old one), or the stored bytes were tampered with."""


def derive_development_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@functools.lru_cache(maxsize=8)
def _cipher_for(key_setting: str, secret_key: str, env: str) -> MultiFernet:
    keys = [part.strip() for part in key_setting.split(",") if part.strip()]
    if not keys:
        if env == "production":
            raise EncryptionKeyError("EVENTHUB_DATA_ENCRYPTION_KEY is required in production "
                                     f"to store passport details; {_GENERATE_HINT}")
        return MultiFernet([Fernet(derive_development_key(secret_key))])
    fernets = []
    for index, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Fernet's own message is harmless, but say which key, not what it is.
            raise EncryptionKeyError(
                f"EVENTHUB_DATA_ENCRYPTION_KEY: key {index} of {len(keys)} is not a Fernet "
                "key (32 bytes, url-safe base64 encoded, 44 characters); "
                f"{_GENERATE_HINT}") from None
    return MultiFernet(fernets)


def _cipher() -> MultiFernet:
    config = current_app.config
    return _cipher_for(config.get("EVENTHUB_DATA_ENCRYPTION_KEY") or "",
                       config["EVENTHUB_SECRET_KEY"], config.get("EVENTHUB_ENV", "development"))


def check_key() -> None:
    """Validate the configured key now (raises EncryptionKeyError), e.g. at start-up."""
    _cipher()


def encrypt(value: str) -> bytes:
    return _cipher().encrypt(value.encode("utf-8"))


def decrypt(token: bytes) -> str:
    try:
        return _cipher().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        raise DecryptionError("Stored passport details do not decrypt with the configured "
                              "EVENTHUB_DATA_ENCRYPTION_KEY; was a key removed before the "
                              "values were re-encrypted?") from None


def reencrypt(token: bytes) -> bytes:
    """The same value encrypted with the first (newest) key: one step of a key rotation."""
    try:
        return _cipher().rotate(bytes(token))
    except InvalidToken:
        raise DecryptionError("A stored value does not decrypt with any configured key; "
                              "it cannot be re-encrypted.") from None
