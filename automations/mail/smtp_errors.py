"""What an SMTP failure means for the person running SheetCRM, and what to fix.

:func:`explain` turns a failure while connecting or logging in into one sentence naming the
server and the setting to check; :func:`account_refusal` tells a refusal about the account or
the sender (which every next message would meet too) from one about a single recipient.
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from automations.mail.message import one_line
from sheet_schema.formatting import counted

# Refusals that are about the account or the sender, not about one recipient (RFC 4954 530 and
# 535, RFC 3463 X.7.0 and X.7.8; "relay access denied" is what servers answer an unauthenticated
# client). Every next message would meet them too.
_ACCOUNT_CODES = frozenset({530, 535})
_ACCOUNT_STATUSES = ("5.7.0", "5.7.8", "4.7.0")


def explain(
    exc: BaseException, step: str, where: str, username: str, host: str, timeout: float
) -> str:
    """A sentence for a failure while ``step``; most specific exception types first."""
    ports = 'port 587 needs security "starttls", port 465 needs "ssl"'
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"The mail server {where} refused the user name or password for "
            f"{username!r} ({reply_text(exc.smtp_code, exc.smtp_error)}). Check both in the "
            "settings. Gmail and Google Workspace need an app password (Google Account > "
            "Security > 2-Step Verification > App passwords), not the account password."
        )
    if isinstance(exc, UnicodeEncodeError) and step == "logging in":
        return (
            f"The SMTP user name or password for {where} contains characters that an SMTP "
            "login cannot carry (letters with accents, other scripts). Use an app password "
            "or change the password to plain letters, digits and punctuation."
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError) or (
        step == "logging in" and type(exc) is smtplib.SMTPException
    ):
        return (
            f"The mail server {where} does not offer a login that SheetCRM can use on this "
            f"connection ({exc}). Many servers offer it only after STARTTLS: check the "
            "security setting, or leave the SMTP user empty if this server needs no login."
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return (
            f"The mail server {where} refused the connection while {step} "
            f"({reply_text(exc.smtp_code, exc.smtp_error)}). Try again later; if it keeps "
            "happening, check the host, port and security setting."
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        exc = exc.__context__  # smtplib reports a read timeout as a disconnection
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (
            f"The mail server {where} closed the connection while {step}. "
            f"Check the port and the security setting ({ports})."
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"The certificate of the mail server {where} could not be verified "
            f"({exc.verify_message}). Check that the SMTP host is the name your provider "
            "gives (e.g. smtp.gmail.com), not an IP address or another name."
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"The encrypted connection to the mail server {where} failed while {step} "
            f"({exc.reason or exc}). Check the security setting: {ports}."
        )
    if isinstance(exc, socket.gaierror):
        return (
            f"The mail server {host!r} was not found. Check the SMTP host "
            "(e.g. smtp.gmail.com) and the internet connection."
        )
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"The mail server {where} refused the connection. Check the SMTP host and "
            "port (usually 587, or 465 for SSL) and that the server is running."
        )
    if isinstance(exc, TimeoutError):
        return (
            f"The mail server {where} did not answer within {counted(timeout, 'second')} while "
            f"{step}. Check the host and port, the firewall, and the security setting "
            f"({ports})."
        )
    if isinstance(exc, OSError):
        return (
            f"Could not reach the mail server {where} while {step} "
            f"({exc.strerror or exc}). Check the SMTP host and port and the network."
        )
    return f"Could not use the mail server {where} while {step} ({exc})."


def account_refusal(what: str, code: int, text: str) -> str:
    """What to fix, when a refusal is about the account or sender and not one recipient."""
    lowered = text.lower()
    stopped = "No email was handed over; they wait for the next cycle."
    # An X.7.0 answer to the message itself is often a content refusal (spam), so statuses are
    # trusted only for the envelope; 530 and 535 mean a login at any step.
    envelope = what in ("sender", "recipient")
    if code in _ACCOUNT_CODES or (envelope and any(s in text.split() for s in _ACCOUNT_STATUSES)):
        return (
            f"wants a login before it sends ({text}). Set the SMTP user (--smtp-user or "
            "SHEETCRM_SMTP_USER) and SHEETCRM_SMTP_PASSWORD, or check that they are right. "
            + stopped
        )
    if "relay" in lowered and ("denied" in lowered or "not permitted" in lowered):
        return (
            f"refuses to relay for this connection ({text}): it wants a login, or this "
            "computer is not allowed to send through it. Set the SMTP user and password. " + stopped
        )
    if what == "sender":
        return (
            f"refused the sender address ({text}). Check Settings 'Sender email': it must be "
            "an address this mail account may send from. " + stopped
        )
    return ""


def reply_text(code: int, reply: bytes | str) -> str:
    """A server reply as one line after its code."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {one_line(text)}".strip()


def detail(exc: BaseException) -> str:
    """An exception as one line, its type's name when it says nothing."""
    return one_line(str(exc)) or type(exc).__name__
