"""The login gate: nothing below it runs (no data is read) until the visitor may see it.

Who needs which login is decided in :mod:`dashboard.auth`; wrong passwords are slowed down by
one process-wide :class:`~dashboard.throttle.LoginThrottle`.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from dashboard.auth import LoginMethod, Visit, login_method, opened_without_login, verify_password
from dashboard.i18n import Translator
from dashboard.throttle import Attempt, LoginThrottle

_SESSION_KEY = "sheetcrm_signed_in"
_SESSION_CLIENT = "sheetcrm_client"


def secrets_dict() -> Mapping[str, Any]:
    """Streamlit secrets as a plain dict ({} when there is no secrets file)."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no or unreadable secrets.toml: behave as if empty
        return {}


@st.cache_resource(show_spinner=False)
def login_throttle() -> LoginThrottle:
    """The one throttle of this server process, shared by every session."""
    return LoginThrottle()


def current_visit() -> Visit:
    """This session's connection, as Streamlit exposes it."""
    headers = {name.lower(): value for name, value in st.context.headers.to_dict().items()}
    peer = st.context.ip_address
    # A served session gives a string, or None for this computer; Streamlit's in-process test
    # harness has no connection at all (a stand-in object), which counts as this computer.
    return Visit(st.get_option("server.address"), peer if isinstance(peer, str) else None, headers)


def client_key(visit: Visit) -> str:
    """The client the throttle counts: its address, or this browser session when none is known."""
    address = " via ".join(a for a in (visit.forwarded_for(), visit.peer) if a)
    if address:
        return address
    session = st.session_state.setdefault(_SESSION_CLIENT, secrets.token_hex(8))
    return f"session {session}"


def require_login(tr: Translator, argv: Sequence[str]) -> bool:
    """True when the visitor may see the dashboard; otherwise draws the login and returns False."""
    secrets_ = secrets_dict()
    visit = current_visit()
    method = login_method(visit, secrets_, opened_without_login(secrets_, argv))
    if method is LoginMethod.NONE:
        return True
    if method is LoginMethod.MISSING:
        st.error(tr("login.needed"))
        return False
    if method is LoginMethod.NOT_LOCAL:
        st.error(tr("login.not_local"))
        return False
    if method is LoginMethod.OIDC:
        if st.user.is_logged_in:
            st.sidebar.button(tr("sidebar.logout"), on_click=st.logout, key="logout")
            return True
        st.title(tr("app.title"))
        st.button(tr("login.oidc"), on_click=st.login, key="login_oidc")
        return False
    if st.session_state.get(_SESSION_KEY):
        st.sidebar.button(tr("sidebar.logout"), on_click=_sign_out, key="logout")
        return True
    return _password_form(tr, str(secrets_["auth"]["password_hash"]), client_key(visit))


def _password_form(tr: Translator, stored: str, client: str) -> bool:
    st.title(tr("login.title"))
    with st.form("login"):
        password = st.text_input(tr("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login.submit"))
    if not submitted:
        return False
    attempt = login_throttle().attempt(client, lambda: verify_password(password, stored))
    if attempt.accepted:
        st.session_state[_SESSION_KEY] = True
        st.rerun()
    wait = tr("login.wait", seconds=_whole_seconds(attempt))
    if not attempt.checked:
        st.error(wait)
        return False
    st.error(tr("login.wrong"))
    if attempt.wait > 0:
        st.warning(wait)
    return False


def _whole_seconds(attempt: Attempt) -> int:
    return max(1, math.ceil(attempt.wait))


def _sign_out() -> None:
    st.session_state[_SESSION_KEY] = False
