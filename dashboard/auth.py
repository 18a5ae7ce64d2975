"""Who may see the dashboard.

On localhost (the default: ``--server.address 127.0.0.1``) the owner's own computer is the
boundary and no login is asked. When Streamlit serves beyond loopback (``server.address`` unset,
``0.0.0.0`` or any other address), a login is required before any customer data is read:

* a password, whose salted scrypt hash is in ``.streamlit/secrets.toml``::

      [auth]
      password_hash = "scrypt$16384$8$1$<salt>$<hash>"

  Make one with ``python -m dashboard.auth hash`` (it asks for the password twice);
* or Streamlit's own OpenID Connect login (``st.login``) when ``[auth]`` holds the provider
  settings Streamlit documents (``client_id``, ``client_secret``, ``server_metadata_url``,
  ``redirect_uri``, ``cookie_secret``).

``[dashboard] require_login = true`` in secrets forces a login even on localhost.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import ipaddress
import secrets
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_PREFIX = "scrypt"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A salted scrypt hash of the password, as one string to keep in secrets."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    fields = [_PREFIX, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]
    fields += [base64.b64encode(salt).decode(), base64.b64encode(digest).decode()]
    return "$".join(fields)


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash (constant-time comparison).

    A malformed stored hash never matches.
    """
    try:
        prefix, n, r, p, salt, digest = stored.strip().split("$")
        if prefix != _PREFIX:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def is_loopback(address: str | None) -> bool:
    """True when a server bound to ``address`` is reachable from this computer only.

    An empty address means "every interface" to Streamlit, so it is not loopback.
    """
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoginMethod(StrEnum):
    """How the dashboard asks who is there."""

    NONE = "none"  # served on loopback only
    PASSWORD = "password"
    OIDC = "oidc"
    MISSING = "missing"  # a login is needed but none is configured: show nothing


_OIDC_KEYS = {"client_id", "server_metadata_url"}


def _has_oidc(auth: Mapping[str, object]) -> bool:
    if set(auth) >= _OIDC_KEYS:
        return True
    return any(isinstance(v, Mapping) and set(v) >= _OIDC_KEYS for v in auth.values())


def login_method(server_address: str | None, secrets_: Mapping[str, object]) -> LoginMethod:
    """Which login the dashboard needs, from where it is served and what secrets hold."""
    dashboard = secrets_.get("dashboard")
    forced = isinstance(dashboard, Mapping) and bool(dashboard.get("require_login"))
    if is_loopback(server_address) and not forced:
        return LoginMethod.NONE
    auth = secrets_.get("auth")
    if isinstance(auth, Mapping):
        if auth.get("password_hash"):
            return LoginMethod.PASSWORD
        if _has_oidc(auth):
            return LoginMethod.OIDC
    return LoginMethod.MISSING


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dashboard.auth hash``: print a password hash for secrets.toml."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["hash"]:
        print("usage: python -m dashboard.auth hash", file=sys.stderr)
        return 2
    password = getpass.getpass("Dashboard password: ")
    if len(password) < 8:
        print("Use at least 8 characters.", file=sys.stderr)
        return 1
    if getpass.getpass("Again: ") != password:
        print("The two passwords differ; nothing printed.", file=sys.stderr)
        return 1
    print("Put this in .streamlit/secrets.toml:\n")
    print(f'[auth]\npassword_hash = "{hash_password(password)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
