"""Turn planned emails into MIME messages and hand them to a mail server or an outbox folder.

``build_message`` makes one :class:`~email.message.EmailMessage` per recipient (nobody ever sees
another customer's address). A :class:`Mailer` opens one :class:`MailSession` per cycle:
:class:`SmtpMailer` talks to a real SMTP server (Gmail, Workspace, any provider),
:class:`OutboxMailer` writes ``.eml`` files to a folder (the demo, and a dry run a person can open
in a mail program).

Sending reports a :class:`SendResult` instead of raising, and keeps apart the one case that must
never be retried blindly: the connection died after the message was handed over, so it may or
may not have been delivered (``UNKNOWN``; DESIGN.md invariant 4). Only "cannot start at all"
(wrong host, password, TLS setting) raises :class:`MailerError`, before anything was sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import socket
import ssl
import tempfile
import unicodedata
import urllib.parse
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from enum import Enum
from pathlib import Path
from typing import Protocol

from sheet_schema.model import Email

# The SMTP policy (CRLF line ends, lines folded at 78) with 7-bit bodies: non-ASCII text goes
# out as quoted-printable or base64, so any server takes it without the 8BITMIME extension.
MESSAGE_POLICY = email_policy.SMTP.clone(cte_type="7bit")

# Header carrying the idempotency key, so a person can match a delivered message (or an .eml
# file) to its Mail log row.
KEY_HEADER = "X-SheetCRM-Key"

SECURITY_MODES = ("starttls", "ssl", "none")

NOT_ATTEMPTED = "not attempted: the connection to the mail server was lost"

# Python 3.11's header folder mangles long display names: a name that does not fit on the first
# header line can lose its quotes (so commas and colons in it are read as address syntax) or
# even produce an empty line, which ends the header block. Names of at most this many
# characters (after escaping double quotes), without backslashes, always fit on one line.
_NAME_LIMIT = 64

# Characters kept in outbox file names: safe on Windows, macOS and Linux file systems.
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
_FILENAME_LIMIT = 150


class SendOutcome(Enum):
    """What happened to one message."""

    SENT = "Sent"  # the server took it (250), or the outbox file was written
    FAILED = "Failed"  # not delivered; ``temporary`` says whether a later retry may work
    BOUNCED = "Bounced"  # the server refused the recipient for good (5xx at RCPT)
    UNKNOWN = "Unknown"  # connection lost after the message was handed over: ask a person


@dataclass(frozen=True)
class SendResult:
    """The outcome of sending one message; ``error`` is a sentence for the Mail log."""

    outcome: SendOutcome
    error: str = ""
    temporary: bool = False


class MailerError(Exception):
    """The mailer cannot start at all (no connection, login refused, TLS missing).

    Nothing was sent. ``str()`` is a sentence a shop owner can act on: which server, what to
    check. It never contains the password.
    """


class MailSession(Protocol):
    """One open connection (or open outbox) for a cycle."""

    def send(self, message: EmailMessage) -> SendResult:
        """Send one message; never raises for a refused or lost message."""
        ...


class Mailer(Protocol):
    """Where the bot's emails go."""

    def describe(self) -> str:
        """One line for people: where messages go (never a password)."""
        ...

    def session(self) -> AbstractContextManager[MailSession]:
        """Open one connection for a whole cycle; raises MailerError if that is impossible."""
        ...


# --------------------------------------------------------------------------- building messages


def build_message(
    email: Email,
    sender_email: str,
    sender_name: str,
    now: datetime,
    unsubscribe_to: str = "",
) -> EmailMessage:
    """Build the MIME message for one planned email.

    From is ``sender_name <sender_email>``, To is ``email.to_name <email.to>`` (one recipient
    only), Subject is one line whatever the caller passed, Date is ``now`` (timezone-aware),
    Message-ID is derived from ``email.key`` and the sender's domain (the same key always gives
    the same ID, so a mail program that sees a retry can recognise it), and ``X-SheetCRM-Key``
    carries the key. The body is plain text, with an HTML alternative when ``email.body_html``
    is set. Marketing emails get ``List-Unsubscribe`` (mailto: ``unsubscribe_to``, else the
    sender, subject "unsubscribe").

    Display names lose line breaks and control characters, and are shortened to 64 characters.
    Raises ValueError (naming the address) when an address cannot be used, or ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("build_message needs a timezone-aware time for the Date header")
    sender = _address(sender_email, sender_name, "sender")
    recipient = _address(email.to, email.to_name, "recipient")

    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = _one_line(email.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(email.key, sender.domain)
    message[KEY_HEADER] = _VerbatimHeader(KEY_HEADER, _one_line(email.key))
    if email.marketing:
        target = _address(unsubscribe_to, "", "unsubscribe") if unsubscribe_to else sender
        mailto = urllib.parse.quote(target.addr_spec, safe="@.+-_")
        # No List-Unsubscribe-Post (RFC 8058 one-click): it needs an HTTPS endpoint that
        # records the unsubscription, and SheetCRM has none; the mailto form still puts an
        # "Unsubscribe" button in Gmail and other mail programs.
        message["List-Unsubscribe"] = _VerbatimHeader(
            "List-Unsubscribe", f"<mailto:{mailto}?subject=unsubscribe>"
        )
    message.set_content(email.body_text)
    if email.body_html is not None:
        message.add_alternative(email.body_html, subtype="html")
    return message


def message_id(key: str, domain: str) -> str:
    """The Message-ID for an idempotency key: ``<sha256 of the key (32 hex)@domain>``."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class _VerbatimHeader(str):
    """A header value written exactly as given (it must be ASCII and one line).

    The email package encodes a long unstructured value as RFC 2047 encoded words, which turns
    ``<mailto:...>`` into text no mail program reads as a link. Objects with ``name`` and
    ``fold`` are the header-object protocol of ``email.policy.EmailPolicy``.
    """

    name: str

    def __new__(cls, name: str, value: str) -> _VerbatimHeader:
        # The values used here are ASCII (keys, IDNA addresses); escape anything else so the
        # message stays 7-bit, and stay far below SMTP's 998-character line limit.
        value = value.encode("ascii", "backslashreplace").decode("ascii")[:900]
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: email_policy.Policy) -> str:
        """The header on one line."""
        return f"{self.name}: {self}{policy.linesep}"


def _one_line(text: str) -> str:
    """``text`` without line breaks or other control characters, whitespace collapsed."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(cleaned.split())


def _display_name(text: str) -> str:
    """A display name that Python's header folder cannot mangle (see ``_NAME_LIMIT``)."""
    name = _one_line(text).replace("\\", "")[:_NAME_LIMIT]
    while len(name) + name.count('"') > _NAME_LIMIT:
        name = name[:-1]
    return name.strip()


def _address(address: str, name: str, role: str) -> Address:
    """One mailbox; the domain is converted to ASCII (IDNA) so the message stays 7-bit."""
    text = address.strip()
    local, at, domain = text.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or not text.isprintable()
        or any(ch.isspace() or ch in ",;<>" for ch in text)
    ):
        raise ValueError(f"the {role} address {address!r} is not one email address")
    if not local.isascii():
        raise ValueError(
            f"the {role} address {text!r} has non-ASCII characters before the @, "
            "which SheetCRM cannot send to"
        )
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"the {role} address {text!r} has an invalid domain") from exc
    try:
        return Address(display_name=_display_name(name), addr_spec=f"{local}@{domain}")
    except (ValueError, IndexError) as exc:
        raise ValueError(f"the {role} address {text!r} is not a valid email address") from exc


# --------------------------------------------------------------------------------------- SMTP


class SmtpMailer:
    """Send through an SMTP server: one connection per cycle, one transaction per message.

    ``security`` is ``"starttls"`` (port 587, the usual), ``"ssl"`` (port 465) or ``"none"``
    (only for a relay on your own network). ``ssl_context`` replaces the default certificate
    checks (tests, or a company CA). The password is kept private and never appears in
    ``repr``, ``describe`` or error messages.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        security: str = "starttls",
        timeout: float = 30.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(
                f"SMTP security must be one of {', '.join(SECURITY_MODES)}, not {security!r}"
            )
        self.host = host.strip()
        self.port = port
        self.username = username
        self._password = password
        self.security = security
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return (
            f"SmtpMailer(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"security={self.security!r})"
        )

    def describe(self) -> str:
        """E.g. ``SMTP server smtp.gmail.com:587 (STARTTLS, user shop@gmail.com)``."""
        security = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": "no encryption"}
        login = f"user {self.username}" if self.username else "no login"
        return f"SMTP server {self._where} ({security[self.security]}, {login})"

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """Connect, secure and log in once; close politely at the end (even after errors)."""
        session = SmtpSession(self._connect())
        try:
            yield session
        finally:
            session.close()

    def _connect(self) -> smtplib.SMTP:
        if not self.host:
            raise MailerError("No mail server is set: fill in the SMTP host (e.g. smtp.gmail.com).")
        if not 0 < self.port < 65536:
            raise MailerError(
                f"The SMTP port {self.port} is not a port number: "
                "use 587 (STARTTLS) or 465 (SSL) unless your provider says otherwise."
            )
        client: smtplib.SMTP | None = None
        step = "connecting"
        try:
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=self._tls_context(),
                )
            else:
                client = smtplib.SMTP(
                    self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
                )
            step = "greeting it"
            client.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                if not client.has_extn("starttls"):
                    raise MailerError(
                        f"The mail server {self._where} does not offer STARTTLS, so the password "
                        "and the emails would travel unencrypted. Check the port (587 usually "
                        'offers STARTTLS; 465 needs security "ssl"); use security "none" only '
                        "for a mail relay on your own network."
                    )
                step = "starting encryption (STARTTLS)"
                client.starttls(context=self._tls_context())
                client.ehlo()
            if self.username:
                step = "logging in"
                client.login(self.username, self._password)
        except MailerError:
            _close_quietly(client)
            raise
        except Exception as exc:
            _close_quietly(client)
            raise MailerError(self._scrub(self._explain(exc, step))) from None
        return client

    def _tls_context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _explain(self, exc: BaseException, step: str) -> str:
        """A sentence for a failure while ``step``; most specific exception types first."""
        where = self._where
        ports = 'port 587 needs security "starttls", port 465 needs "ssl"'
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return (
                f"The mail server {where} refused the user name or password for "
                f"{self.username!r} ({_reply(exc.smtp_code, exc.smtp_error)}). Check both in the "
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
                f"({_reply(exc.smtp_code, exc.smtp_error)}). Try again later; if it keeps "
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
                f"The mail server {self.host!r} was not found. Check the SMTP host "
                "(e.g. smtp.gmail.com) and the internet connection."
            )
        if isinstance(exc, ConnectionRefusedError):
            return (
                f"The mail server {where} refused the connection. Check the SMTP host and "
                "port (usually 587, or 465 for SSL) and that the server is running."
            )
        if isinstance(exc, TimeoutError):
            return (
                f"The mail server {where} did not answer within {self.timeout:g} seconds while "
                f"{step}. Check the host and port, the firewall, and the security setting "
                f"({ports})."
            )
        if isinstance(exc, OSError):
            return (
                f"Could not reach the mail server {where} while {step} "
                f"({exc.strerror or exc}). Check the SMTP host and port and the network."
            )
        return f"Could not use the mail server {where} while {step} ({exc})."

    def _scrub(self, text: str) -> str:
        """Belt and braces: a server reply could echo what it was sent."""
        if self._password:
            text = text.replace(self._password, "********")
        return text


class SmtpSession:
    """One SMTP connection; sends each message as its own MAIL/RCPT/DATA transaction.

    The low-level steps (rather than ``send_message``) tell a refusal before DATA (nothing
    delivered) from a connection lost after DATA (maybe delivered). Once the connection is lost
    the session sends nothing more: later messages are FAILED (temporary), not attempted.
    """

    def __init__(self, client: smtplib.SMTP) -> None:
        self._client: smtplib.SMTP | None = client

    def send(self, message: EmailMessage) -> SendResult:
        """Send one message and classify the server's answer (see SendOutcome)."""
        client = self._client
        if client is None:
            return SendResult(SendOutcome.FAILED, NOT_ATTEMPTED, temporary=True)
        try:
            sender, recipient = _envelope(message)
        except ValueError as exc:
            return SendResult(SendOutcome.FAILED, str(exc))
        payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))

        try:
            code, reply = client.mail(sender)
            if code != 250:
                return self._refused(client, "sender", sender, code, reply)
            code, reply = client.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(client, "recipient", recipient, code, reply)
        except OSError as exc:  # includes SMTPServerDisconnected and timeouts
            self._lost()
            return SendResult(
                SendOutcome.FAILED,
                f"the connection to the mail server was lost before the message was sent "
                f"({_detail(exc)}); it was not delivered",
                temporary=True,
            )

        try:
            code, reply = client.data(payload)
        except smtplib.SMTPDataError as exc:  # DATA itself refused: the message never went
            return self._refused(client, "message", recipient, exc.smtp_code, exc.smtp_error)
        except OSError as exc:
            # The DATA command was sent: the server may have taken the message and failed to
            # say so. Retrying could send it twice, so a person must check (invariant 4).
            self._lost()
            return SendResult(
                SendOutcome.UNKNOWN,
                f"the connection to the mail server was lost after the message was handed "
                f"over ({_detail(exc)}); it may or may not have been delivered to {recipient}: "
                "check the mail account's Sent folder or ask the recipient before sending it "
                "again",
            )
        if 200 <= code < 300:
            return SendResult(SendOutcome.SENT)
        if 400 <= code < 600:
            return self._refused(client, "message", recipient, code, reply)
        self._lost()
        return SendResult(
            SendOutcome.UNKNOWN,
            f"the mail server gave an unreadable answer after the message was handed over "
            f"({_reply(code, reply)}); it may or may not have been delivered to {recipient}",
        )

    def _refused(
        self, client: smtplib.SMTP, what: str, address: str, code: int, reply: bytes | str
    ) -> SendResult:
        """Classify a refusal and reset the transaction so the next message can go."""
        text = _reply(code, reply)
        if what == "recipient":
            error = f"the mail server refused the recipient {address} ({text})"
        elif what == "sender":
            error = f"the mail server refused the sender {address} ({text})"
            if code == 530:
                error += "; it wants a login: set the SMTP user and password"
        else:
            error = f"the mail server refused the message to {address} ({text})"
        if code == 421:  # the server is closing the connection
            self._lost()
        else:
            try:
                client.rset()
            except OSError:
                self._lost()
        if 400 <= code < 500:
            return SendResult(SendOutcome.FAILED, error, temporary=True)
        if what == "recipient" and 500 <= code < 600:
            return SendResult(SendOutcome.BOUNCED, error)
        if 500 <= code < 600:
            return SendResult(SendOutcome.FAILED, error)
        return SendResult(SendOutcome.FAILED, error, temporary=True)

    def _lost(self) -> None:
        _close_quietly(self._client)
        self._client = None

    def close(self) -> None:
        """Say QUIT if the connection is still up, then close it."""
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(OSError):
            client.quit()
        _close_quietly(client)


def _envelope(message: EmailMessage) -> tuple[str, str]:
    """The envelope sender and the single recipient; ValueError if there is not exactly one."""
    senders = _addresses(message, "From")
    recipients = [a for field in ("To", "Cc", "Bcc") for a in _addresses(message, field)]
    if len(senders) != 1:
        raise ValueError("the message needs exactly one From address")
    if len(recipients) != 1:
        raise ValueError(
            f"SheetCRM sends each message to exactly one recipient; this one has "
            f"{len(recipients)} (To, Cc and Bcc)"
        )
    for address in (*senders, *recipients):
        if not address.isascii():
            raise ValueError(f"the address {address!r} is not ASCII; it cannot be sent")
    return senders[0], recipients[0]


def _addresses(message: EmailMessage, field: str) -> list[str]:
    found: list[str] = []
    for value in message.get_all(field, []):
        found.extend(address for _, address in getaddresses([str(value)]) if address)
    return found


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {_one_line(text)}".strip()


def _detail(exc: BaseException) -> str:
    return _one_line(str(exc)) or type(exc).__name__


def _close_quietly(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(OSError):
            client.close()


# ------------------------------------------------------------------------------------- outbox


class OutboxMailer:
    """Write each message to ``folder/<key>.eml`` instead of sending it.

    Nothing leaves the computer: the demo uses this, and a person can open the files in any mail
    program to see exactly what would be sent. Writing the same key again replaces the file.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"OutboxMailer(folder={str(self.folder)!r})"

    def describe(self) -> str:
        """Where the files go."""
        return f"outbox folder {self.folder.absolute()} (one .eml file per email; nothing is sent)"

    @contextmanager
    def session(self) -> Iterator[OutboxSession]:
        """Create the folder if needed; MailerError if that is impossible."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailerError(
                f"Could not create the outbox folder {self.folder.absolute()} "
                f"({exc.strerror or exc}). Choose a folder you can write to."
            ) from None
        yield OutboxSession(self.folder)


class OutboxSession:
    """An open outbox; each message is written atomically (temp file, then rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> SendResult:
        """Write the message as ``<sanitised key>.eml``; FAILED if the disk refuses."""
        key = str(message.get(KEY_HEADER) or message.get("Message-ID") or "")
        if not key:
            key = hashlib.sha256(message.as_bytes()).hexdigest()[:32]
        target = self.folder / outbox_filename(key)
        payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        temp: str | None = None
        try:
            # A dot name and a .tmp suffix: a half-written file is never taken for an email.
            handle, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, target)
        except OSError as exc:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            return SendResult(
                SendOutcome.FAILED, f"could not write {target} ({exc.strerror or exc})"
            )
        return SendResult(SendOutcome.SENT)


def outbox_filename(key: str) -> str:
    """A file name for a key that is valid on Windows too: ``birthday:C-0001:2026`` ->
    ``birthday_C-0001_2026.eml`` (unsafe characters become ``_``, at most 150 characters)."""
    stem = _UNSAFE_FILENAME.sub("_", key)[:_FILENAME_LIMIT].strip("._") or "message"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return f"{stem}.eml"
