"""The OAuth token endpoint: JWT-bearer grants from service-account credentials.

google-auth signs a JWT (RS256, ``kid`` = the key file's ``private_key_id``, ``iss`` = the
client email, ``aud`` = the token URI) and posts it as
``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>``.  The emulator
verifies the signature with the public key registered for that service account.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3600


class TokenError(Exception):
    """A token request Google would refuse; ``body`` is its OAuth error JSON."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.body = {"error": error, "error_description": description}


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class _Account:
    email: str
    key_id: str
    public_key: rsa.RSAPublicKey


class TokenIssuer:
    """Registered service accounts and the access tokens issued to them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}
        self._tokens: dict[str, tuple[str, float]] = {}

    def register(self, email: str, public_key_pem: bytes, key_id: str) -> None:
        """Trust this public key for JWTs issued by ``email``."""
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("service account keys must be RSA")
        with self._lock:
            self._accounts[key_id] = _Account(email, key_id, key)

    def issue(self, form: dict[str, list[str]]) -> dict[str, Any]:
        """Answer a token request (form fields), or raise TokenError."""
        grant = (form.get("grant_type") or [""])[0]
        if grant != JWT_BEARER:
            raise TokenError("unsupported_grant_type", f"Invalid grant_type: {grant}")
        assertion = (form.get("assertion") or [""])[0]
        try:
            header_b64, payload_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(header_b64))
            payload = json.loads(_b64decode(payload_b64))
            signature = _b64decode(signature_b64)
        except (ValueError, json.JSONDecodeError):
            raise TokenError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived "
                "token (60 minutes) and in a reasonable timeframe.",
            ) from None
        with self._lock:
            account = self._accounts.get(str(header.get("kid", "")))
        if account is None or account.email != payload.get("iss"):
            raise TokenError("invalid_grant", "Invalid JWT Signature.")
        try:
            account.public_key.verify(
                signature,
                f"{header_b64}.{payload_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise TokenError("invalid_grant", "Invalid JWT Signature.") from None
        now = time.time()
        if float(payload.get("exp", 0)) < now - 60:
            raise TokenError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token "
                "(60 minutes) and in a reasonable timeframe.",
            )
        token = "ya29.emu-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (account.email, now + TOKEN_LIFETIME)
        return {"access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}

    def caller(self, authorization: str | None) -> str | None:
        """The service account a ``Bearer`` header belongs to, or None if not valid."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        token = authorization[len("Bearer ") :].strip()
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def revoke_all(self) -> None:
        """Forget every issued token (clients get 401 and must fetch a new one)."""
        with self._lock:
            self._tokens.clear()
