"""Send messages through an SMTP server (Gmail, Workspace, any provider).

:class:`SmtpMailer` opens one connection per cycle; :class:`SmtpSession` sends each message as
its own transaction and tells a refusal (nothing delivered) from a connection lost after the
message was handed over (maybe delivered: ``UNKNOWN``, never retried blindly; DESIGN.md
invariant 4). "Cannot start at all" (wrong host, password, TLS setting) raises
:class:`~automations.mail.mailer.MailerError` before anything was sent; so does, mid-batch, a
refusal that is about the account rather than one recipient (530 "authentication required",
535, a refused sender, relaying denied): the batch stops and the rest waits (``WAITING``).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import getaddresses

from automations.mail.mailer import MailerError, SendOutcome, SendResult
from automations.mail.smtp_errors import account_refusal, detail, explain, reply_text

SECURITY_MODES = ("starttls", "ssl", "none")

NOT_ATTEMPTED = "not attempted: the connection to the mail server was lost"


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
        session = SmtpSession(self._connect(), where=self._where)
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
            explained = explain(exc, step, self._where, self.username, self.host, self.timeout)
            raise MailerError(self._scrub(explained)) from None
        return client

    def _tls_context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

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

    def __init__(self, client: smtplib.SMTP, where: str = "") -> None:
        self._client: smtplib.SMTP | None = client
        self._where = where or "(unnamed)"

    def send(self, message: EmailMessage, handing: Callable[[], None] | None = None) -> SendResult:
        """Send one message and classify the server's answer (see SendOutcome).

        ``handing`` runs once the server accepted the sender and the recipient, just before
        DATA: from then on the message may arrive.
        """
        client = self._client
        if client is None:
            return SendResult(SendOutcome.WAITING, NOT_ATTEMPTED)
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
                f"({detail(exc)}); it was not delivered",
                temporary=True,
            )

        if handing is not None:
            handing()
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
                f"over ({detail(exc)}); it may or may not have been delivered to {recipient}: "
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
            f"({reply_text(code, reply)}); it may or may not have been delivered to {recipient}",
        )

    def _refused(
        self, client: smtplib.SMTP, what: str, address: str, code: int, reply: bytes | str
    ) -> SendResult:
        """Classify a refusal and reset the transaction so the next message can go.

        Raises MailerError for a refusal about the account or sender (see
        :func:`~automations.mail.smtp_errors.account_refusal`): nothing was handed over, and the
        batch must stop rather than fail every message.
        """
        text = reply_text(code, reply)
        account = account_refusal(what, code, text)
        if account:
            self._lost()
            raise MailerError(f"The mail server {self._where} {account}")
        if what == "recipient":
            error = f"the mail server refused the recipient {address} ({text})"
        elif what == "sender":
            error = f"the mail server refused the sender {address} ({text})"
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


def _close_quietly(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(OSError):
            client.close()
