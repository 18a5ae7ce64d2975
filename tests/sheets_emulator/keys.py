"""Service-account key files generated at test time (never commit one).

The RSA key is generated once per process and reused, because generation costs ~50 ms; each
call still registers the account with the emulator it is written for.
"""

from __future__ import annotations

import functools
import json
import secrets
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class _Registers(Protocol):
    @property
    def token_uri(self) -> str: ...

    def register_service_account(self, email: str, public_key_pem: bytes, key_id: str) -> None: ...


@functools.lru_cache(maxsize=1)
def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account_info(
    emulator: _Registers, client_email: str | None = None, register: bool = True
) -> dict[str, Any]:
    """A service-account key dict whose ``token_uri`` points at the emulator.

    With ``register=False`` the emulator does not know the key, so its token requests are
    refused (``invalid_grant``), as Google refuses a deleted key.
    """
    key = _private_key()
    key_id = secrets.token_hex(20)
    email = client_email or f"sheetcrm-test-{secrets.token_hex(4)}@emulator.iam.gserviceaccount.com"
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    if register:
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        emulator.register_service_account(email, public_pem, key_id)
    return {
        "type": "service_account",
        "project_id": "sheetcrm-emulator",
        "private_key_id": key_id,
        "private_key": private_pem,
        "client_email": email,
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": emulator.token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "",
        "universe_domain": "googleapis.com",
    }


def write_service_account_file(
    path: str | Path, emulator: _Registers, client_email: str | None = None, register: bool = True
) -> str:
    """Write a key file for the emulator at ``path`` and return its client email."""
    info = service_account_info(emulator, client_email, register)
    target = Path(path)
    target.write_text(json.dumps(info, indent=2))
    target.chmod(0o600)
    return str(info["client_email"])
