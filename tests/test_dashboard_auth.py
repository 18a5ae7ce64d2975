"""Who may see the dashboard (the decision, password hashes) and how wrong passwords are slowed."""

from __future__ import annotations

import base64
import hashlib

import pytest

from automations.demo.command import OPEN_WITHOUT_LOGIN
from dashboard.auth import (
    OPEN_OPTION,
    LoginMethod,
    Visit,
    hash_password,
    login_method,
    opened_without_login,
    verify_password,
)
from dashboard.throttle import LoginThrottle

PASSWORD_SECRETS = {"auth": {"password_hash": "scrypt$16384$8$1$c2FsdA==$aGFzaA=="}}
OIDC_SECRETS = {"auth": {"client_id": "x", "server_metadata_url": "https://id.example.com"}}
LOCAL_BROWSER = {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_new_hashes_use_owasp_scrypt_parameters() -> None:
    stored = hash_password("correct horse")
    prefix, n, r, p, salt, digest = stored.split("$")
    assert (prefix, n, r, p) == ("scrypt", str(2**17), "8", "1")
    # Recomputed here with hashlib (128 MiB, so maxmem must allow it), not through the module.
    expected = hashlib.scrypt(
        b"correct horse", salt=base64.b64decode(salt), n=2**17, r=8, p=1, maxmem=2**28, dklen=64
    )
    assert base64.b64decode(digest) == expected
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horse ", stored)


def test_hashes_made_by_older_versions_are_still_accepted() -> None:
    salt = b"sixteen byte salt"
    digest = hashlib.scrypt(b"old password", salt=salt, n=2**14, r=8, p=1)
    old = f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert verify_password("old password", old)
    assert not verify_password("new password", old)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "scrypt$16384$8$1$not base64$x",
        "bcrypt$16384$8$1$c2FsdA==$aGFzaA==",
        "scrypt$1073741824$8$1$c2FsdA==$aGFzaA==",  # 2^30: a typo that would need 128 GiB
        "scrypt$1000$8$1$c2FsdA==$aGFzaA==",  # not a power of two
    ],
)
def test_a_malformed_hash_never_matches(stored: str) -> None:
    assert not verify_password("anything", stored)


@pytest.mark.parametrize(
    ("visit", "secrets", "opened", "expected"),
    [
        # Nothing configured, nothing opened: no data wherever it is bound.
        (Visit("127.0.0.1", None, LOCAL_BROWSER), {}, False, LoginMethod.MISSING),
        (Visit("0.0.0.0", "203.0.113.9"), {}, False, LoginMethod.MISSING),
        (Visit("", None), {}, False, LoginMethod.MISSING),
        # Opened explicitly: only a visit straight from this computer to a loopback server.
        (Visit("127.0.0.1", None, LOCAL_BROWSER), {}, True, LoginMethod.NONE),
        (Visit("localhost", None, {"host": "localhost:8501"}), {}, True, LoginMethod.NONE),
        (Visit("::1", None, {"host": "[::1]:8501"}), {}, True, LoginMethod.NONE),
        (Visit("0.0.0.0", None, LOCAL_BROWSER), {}, True, LoginMethod.NOT_LOCAL),
        (Visit("127.0.0.1", "192.168.1.20"), {}, True, LoginMethod.NOT_LOCAL),
        # A reverse proxy on this computer: the peer is local, its headers are not.
        (
            Visit("127.0.0.1", None, {**LOCAL_BROWSER, "x-forwarded-for": "203.0.113.9"}),
            {},
            True,
            LoginMethod.NOT_LOCAL,
        ),
        (
            Visit("127.0.0.1", None, {"forwarded": "for=203.0.113.9;proto=https"}),
            {},
            True,
            LoginMethod.NOT_LOCAL,
        ),
        (Visit("127.0.0.1", None, {"x-real-ip": "203.0.113.9"}), {}, True, LoginMethod.NOT_LOCAL),
        (Visit("127.0.0.1", None, {"via": "1.1 nginx"}), {}, True, LoginMethod.NOT_LOCAL),
        (Visit("127.0.0.1", None, {"host": "crm.example.com"}), {}, True, LoginMethod.NOT_LOCAL),
        # A web page that rebinds its own name to 127.0.0.1.
        (
            Visit("127.0.0.1", None, {"host": "127.0.0.1:8501", "origin": "http://evil.test"}),
            {},
            True,
            LoginMethod.NOT_LOCAL,
        ),
        # A configured login always wins, on loopback and when opened too.
        (Visit("127.0.0.1", None, LOCAL_BROWSER), PASSWORD_SECRETS, True, LoginMethod.PASSWORD),
        (Visit("0.0.0.0", "203.0.113.9"), PASSWORD_SECRETS, False, LoginMethod.PASSWORD),
        (Visit("127.0.0.1", None, LOCAL_BROWSER), OIDC_SECRETS, True, LoginMethod.OIDC),
    ],
)
def test_who_needs_which_login(
    visit: Visit, secrets: dict[str, object], opened: bool, expected: LoginMethod
) -> None:
    assert login_method(visit, secrets, opened) is expected


def test_only_an_explicit_setting_opens_it() -> None:
    assert opened_without_login({"dashboard": {"open_without_login": True}}, [])
    assert opened_without_login({}, ["--workbook", "crm.xlsx", "--open-without-login"])
    assert not opened_without_login({}, ["--workbook", "crm.xlsx"])
    # A string that merely looks true is a typo, not a decision.
    assert not opened_without_login({"dashboard": {"open_without_login": "false"}}, [])
    # `sheetcrm demo` passes the very option the dashboard reads.
    assert OPEN_WITHOUT_LOGIN == OPEN_OPTION


def test_a_hundred_wrong_passwords_from_one_client_wait_ever_longer() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    checked = 0

    def wrong() -> bool:
        nonlocal checked
        checked += 1
        return False

    delays = []
    for _ in range(100):
        wait = throttle.wait_seconds("203.0.113.9")
        if wait > 0:
            # A try before the wait is over is refused without looking at the password.
            before = checked
            refused = throttle.attempt("203.0.113.9", wrong)
            assert (refused.checked, refused.accepted, checked) == (False, False, before)
        delays.append(wait)
        clock.now += wait
        assert throttle.attempt("203.0.113.9", wrong).checked
    # Five free tries, then 1 s doubling up to five minutes, computed here by hand.
    expected = [0.0] * 5 + [1, 2, 4, 8, 16, 32, 64, 128, 256] + [300.0] * 86
    assert delays == expected
    assert checked == 100
    assert sum(delays) == 26_311  # 100 guesses take 7 h 18 min instead of a few seconds
    # Another client is slowed only by the overall limit (100 failures: its one-minute cap).
    assert throttle.wait_seconds("198.51.100.7") == 60.0
    # A right password clears the client's count; an hour without wrong tries clears all.
    clock.now += 300
    assert throttle.attempt("203.0.113.9", lambda: True).accepted
    clock.now += 3600
    assert throttle.wait_seconds("198.51.100.7") == 0.0


def test_guesses_spread_over_many_clients_hit_the_overall_limit() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    delays = []
    for n in range(100):
        client = f"session {n}"  # a new browser session (or made-up address) for every guess
        wait = throttle.wait_seconds(client)
        delays.append(wait)
        clock.now += wait
        assert throttle.attempt(client, lambda: False).checked
    expected = [0.0] * 20 + [1, 2, 4, 8, 16, 32] + [60.0] * 74
    assert delays == expected
    assert sum(delays) == 4503  # 100 guesses take 75 min
