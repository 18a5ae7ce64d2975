"""Who may see the dashboard.

A login is required by default, wherever the dashboard is served. Streamlit's bind address says
nothing about who is on the other end: behind a reverse proxy (the production layout,
``--server.address 127.0.0.1``) or a TCP forwarder (``socat``, an SSH tunnel) every visitor
connects from this computer. So the dashboard shows data only when one of these holds:

* a password is set: its salted scrypt hash is in ``.streamlit/secrets.toml``::

      [auth]
      password_hash = "scrypt$131072$8$1$<salt>$<hash>"

  Make one with ``python -m dashboard.auth hash`` (it asks for the password twice). Hashes made
  by older versions (``scrypt$16384$...``) are still accepted: the parameters are in the string;
* or Streamlit's own OpenID Connect login (``st.login``) is configured under ``[auth]``
  (``client_id``, ``client_secret``, ``server_metadata_url``, ``redirect_uri``,
  ``cookie_secret``, as Streamlit documents);
* or the owner opened it explicitly, for this computer only: ``[dashboard]
  open_without_login = true`` in secrets, or ``--open-without-login`` after the ``--`` of
  ``streamlit run dashboard/app.py`` (``sheetcrm demo`` passes it for its own loopback server).
  Even then a visit is let in only when Streamlit is bound to loopback and the visit shows no
  sign of coming from elsewhere: the TCP peer is this computer, no ``X-Forwarded-For``,
  ``Forwarded``, ``X-Real-IP`` or ``Via`` header, and ``Host``/``Origin`` name this computer. A
  plain TCP forwarder leaves no such sign, which is why opening is never the default.

A configured password or OIDC login always wins over ``open_without_login``. Wrong passwords
are slowed down by :mod:`dashboard.throttle`.
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
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

# OWASP Password Storage Cheat Sheet (May 2023 and since): scrypt N=2^17, r=8, p=1.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# A stored hash names its own cost; past this it is a typo, not a choice (2^20 needs 1 GiB).
_MAX_N = 2**20
_PREFIX = "scrypt"
OPEN_OPTION = "--open-without-login"
# Headers a proxy adds on the way in (RFC 7239, the de-facto X- ones, and Via).
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # scrypt needs 128*r*(n + p) bytes; hashlib refuses anything over 32 MiB unless told.
    memory = 128 * r * (n + p + 2) + 2**20
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=memory)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A salted scrypt hash of the password, as one string to keep in secrets."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 64)
    fields = [_PREFIX, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]
    fields += [base64.b64encode(salt).decode(), base64.b64encode(digest).decode()]
    return "$".join(fields)


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash (constant-time comparison).

    The cost parameters are read from the stored string, so older hashes keep working. A
    malformed stored hash never matches.
    """
    try:
        prefix, n, r, p, salt, digest = stored.strip().split("$")
        if prefix != _PREFIX or not 1 < int(n) <= _MAX_N:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(
            password,
            base64.b64decode(salt, validate=True),
            int(n),
            int(r),
            int(p),
            len(expected),
        )
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def is_loopback(address: str | None) -> bool:
    """True when ``address`` (an IP or host name, maybe with brackets) is this computer only.

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


def _host_of(value: str) -> str:
    """The host part of a ``Host`` header ("127.0.0.1:8501", "[::1]:8501", "localhost")."""
    return urlsplit(f"//{value.strip()}").hostname or ""


@dataclass(frozen=True)
class Visit:
    """What the dashboard knows about one visitor's connection."""

    server_address: str | None  # Streamlit's server.address ("" or None: every interface)
    peer: str | None  # st.context.ip_address: None when the TCP peer is this computer
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    def forwarded_for(self) -> str | None:
        """The client a proxy names (the nearest hop), or None when no proxy header says."""
        chain = self.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in chain.split(",") if hop.strip()]
        if hops:
            return hops[-1]  # the one the nearest proxy added; earlier ones are the client's word
        return self.headers.get("x-real-ip", "").strip() or None

    def came_straight_from_this_computer(self) -> bool:
        """True when nothing about the visit says it came from another computer.

        A raw TCP forwarder is indistinguishable from a local browser, so a True here is never
        enough by itself to skip the login (see the module docstring).
        """
        if not is_loopback(self.server_address) or self.peer is not None:
            return False
        if any(self.headers.get(name) for name in FORWARDING_HEADERS):
            return False
        # Browsers always send Host (and Origin on the websocket); a proxy passing the public
        # name, or a DNS-rebinding page, names another host. Only in-process tests send none.
        host = self.headers.get("host")
        if host is not None and not is_loopback(_host_of(host)):
            return False
        origin = self.headers.get("origin")
        return origin is None or is_loopback(urlsplit(origin.strip()).hostname or "")


class LoginMethod(StrEnum):
    """How the dashboard asks who is there."""

    NONE = "none"  # opened explicitly, and this visit is from this computer
    PASSWORD = "password"
    OIDC = "oidc"
    MISSING = "missing"  # no login is set up and it was not opened: show nothing
    NOT_LOCAL = "not_local"  # opened for this computer, but this visit came from elsewhere


_OIDC_KEYS = {"client_id", "server_metadata_url"}


def _has_oidc(auth: Mapping[str, object]) -> bool:
    if set(auth) >= _OIDC_KEYS:
        return True
    return any(isinstance(v, Mapping) and set(v) >= _OIDC_KEYS for v in auth.values())


def opened_without_login(secrets_: Mapping[str, object], argv: Sequence[str]) -> bool:
    """True when the owner explicitly opened the dashboard (secrets or the app option)."""
    dashboard = secrets_.get("dashboard")
    in_secrets = isinstance(dashboard, Mapping) and dashboard.get("open_without_login") is True
    return in_secrets or OPEN_OPTION in argv


def login_method(visit: Visit, secrets_: Mapping[str, object], opened: bool) -> LoginMethod:
    """Which login this visit needs, from the secrets, the owner's choice and the visit."""
    auth = secrets_.get("auth")
    if isinstance(auth, Mapping):
        if auth.get("password_hash"):
            return LoginMethod.PASSWORD
        if _has_oidc(auth):
            return LoginMethod.OIDC
    if not opened:
        return LoginMethod.MISSING
    if not visit.came_straight_from_this_computer():
        return LoginMethod.NOT_LOCAL
    return LoginMethod.NONE


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
