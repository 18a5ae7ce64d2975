"""The login gate: nothing below it runs (no data is read) until the visitor may see it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.auth import LoginMethod, login_method, verify_password
from dashboard.i18n import Translator

_SESSION_KEY = "sheetcrm_signed_in"


def secrets_dict() -> Mapping[str, Any]:
    """Streamlit secrets as a plain dict ({} when there is no secrets file)."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no or unreadable secrets.toml: behave as if empty
        return {}


def require_login(tr: Translator) -> bool:
    """True when the visitor may see the dashboard; otherwise draws the login and returns False."""
    secrets = secrets_dict()
    method = login_method(st.get_option("server.address"), secrets)
    if method is LoginMethod.NONE:
        return True
    if method is LoginMethod.MISSING:
        st.error(tr("login.needed"))
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
    stored = str(secrets["auth"]["password_hash"])
    st.title(tr("login.title"))
    with st.form("login"):
        password = st.text_input(tr("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login.submit"))
    if submitted:
        if verify_password(password, stored):
            st.session_state[_SESSION_KEY] = True
            st.rerun()
        st.error(tr("login.wrong"))
    return False


def _sign_out() -> None:
    st.session_state[_SESSION_KEY] = False
