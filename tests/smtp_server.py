"""A real SMTP server on loopback for the mailer tests (aiosmtpd), with switches for failures.

Import the fixtures you use in your test module and name them in ``__all__``::

    from tests.smtp_server import smtp_server

    __all__ = ["smtp_server"]

``smtp_server`` is a fresh plain-text server per test on 127.0.0.1 and a free port (so tests
run in parallel under pytest-xdist). It records every message it received in ``messages``.
Switches, set before the client connects or between messages:

- ``refuse.add(address)``: RCPT of that address gets ``550`` (a permanent bounce);
- ``defer.add(address)``: RCPT of that address gets ``451`` (try again later);
- ``refuse_sender.add(address)``: MAIL FROM that address gets ``553`` (sender not allowed);
- ``deny_relay = True``: every RCPT gets ``554 5.7.1 Relay access denied`` (an open relay's
  answer to a client that did not log in);
- ``require_login(user, password)``: AUTH LOGIN/PLAIN is offered and required (without TLS,
  which a real server would not allow, so the tests need no certificate);
- ``drop_at_rcpt = True``: close the connection when the client names a recipient (before
  any message was handed over);
- ``drop_after_data = True``: after receiving a message, close the connection without a reply
  (the message is recorded: the server did get it);
- ``stall_after_data = seconds``: wait that long before replying to a message (client timeouts);
- ``on_command = callable``: called with ``"MAIL"``, ``"RCPT"`` or ``"DATA"`` (after the message
  is recorded, before the reply) as each command arrives (the kill harness stops the bot there).

``serve()`` runs a server outside pytest (for scripts such as benchmarks/kill_harness.py).

``smtp_tls_server`` is the same server with STARTTLS, using a self-signed certificate for
127.0.0.1 that ``tls_client_context`` trusts; there, as on real servers, login is offered only
after STARTTLS.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "HOST",
    "Received",
    "SmtpTestServer",
    "TlsFiles",
    "serve",
    "smtp_server",
    "smtp_tls_server",
    "tls_client_context",
    "tls_files",
]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server received it: the envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def message(self) -> EmailMessage:
        """The message parsed as a mail program would (modern email policy)."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class SmtpTestServer:
    """The switches and records of one running test server (see the module docstring)."""

    host: str = HOST
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    refuse_sender: set[str] = field(default_factory=set)
    deny_relay: bool = False
    drop_at_rcpt: bool = False
    drop_after_data: bool = False
    stall_after_data: float = 0.0
    on_command: Callable[[str], None] | None = None
    credentials: tuple[str, str] | None = None
    logins: list[tuple[str, bool]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def require_login(self, username: str, password: str) -> None:
        """Offer AUTH and refuse MAIL until the client logged in with these credentials."""
        self.credentials = (username, password)

    def heard(self, command: str) -> None:
        """Tell the ``on_command`` hook, if any, that a command arrived."""
        if self.on_command is not None:
            self.on_command(command)

    def received(self) -> list[Received]:
        """A copy of the messages received so far (the server runs in another thread)."""
        with self._lock:
            return list(self.messages)

    def _record(self, envelope: Envelope) -> None:
        content = envelope.original_content or b""
        with self._lock:
            self.messages.append(
                Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(content))
            )


class _Handler:
    """aiosmtpd hooks that read the switches of an SmtpTestServer."""

    def __init__(self, state: SmtpTestServer) -> None:
        self.state = state

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # The login check lives here rather than in aiosmtpd's auth_required, which warns
        # whenever AUTH is allowed without TLS.
        self.state.heard("MAIL")
        if self.state.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if address.lower() in {a.lower() for a in self.state.refuse_sender}:
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        self.state.heard("RCPT")
        if self.state.drop_at_rcpt:
            _hang_up(server)
            return "250 OK"
        if self.state.deny_relay:
            return f"554 5.7.1 <{address}>: Relay access denied"
        if address.lower() in {a.lower() for a in self.state.refuse}:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.lower() in {a.lower() for a in self.state.defer}:
            return f"451 4.3.0 <{address}>: Mailbox temporarily unavailable, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.state._record(envelope)
        self.state.heard("DATA")
        if self.state.drop_after_data:
            # Hang up before replying: the client cannot know that the message arrived.
            _hang_up(server)
            return "250 OK"
        if self.state.stall_after_data:
            await asyncio.sleep(self.state.stall_after_data)
        return "250 2.0.0 OK: queued"

    def authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        expected = self.state.credentials
        ok = (
            expected is not None
            and isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == expected[0]
            and auth_data.password.decode() == expected[1]
        )
        login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else ""
        self.state.logins.append((login, ok))
        return AuthResult(success=ok, handled=False)


def _hang_up(server: SMTP) -> None:
    """Drop the client's connection at once, without a reply."""
    transport = server.transport
    assert isinstance(transport, asyncio.Transport)
    transport.abort()


class _Controller(Controller):
    """An aiosmtpd controller bound to port 0 (the system picks a free port).

    ``factory`` runs for every connection, so switches set during a test apply to the next one.
    """

    def __init__(
        self, handler: _Handler, tls: ssl.SSLContext | None, ready_timeout: float = 5.0
    ) -> None:
        # server_hostname: skip socket.getfqdn(), which can wait on DNS.
        super().__init__(
            handler, hostname=HOST, port=0, server_hostname="smtp.test", ready_timeout=ready_timeout
        )
        self._handler = handler
        self._tls = tls

    def factory(self) -> SMTP:
        credentials = self._handler.state.credentials
        return SMTP(
            self._handler,
            hostname="smtp.test",
            tls_context=self._tls,
            # AUTH is offered only over TLS (aiosmtpd's default, as on real servers), except
            # when a test asked for a login on the plain server, which has no certificate.
            # The plain server without a login configured thus offers no AUTH at all.
            auth_require_tls=self._tls is not None or credentials is None,
            authenticator=self._handler.authenticate,
            timeout=10,
        )

    def _trigger_server(self) -> None:
        # Learn the port the system picked before aiosmtpd's start-up probe connects to it.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[SmtpTestServer]:
    state = SmtpTestServer()
    controller = _Controller(_Handler(state), tls)
    controller.start()
    state.port = controller.port
    try:
        yield state
    finally:
        controller.stop()


@contextmanager
def serve() -> Iterator[SmtpTestServer]:
    """A plain-text SMTP server on 127.0.0.1 for as long as the ``with`` block lasts."""
    yield from _serve()


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A fresh plain-text SMTP server on 127.0.0.1 for one test."""
    yield from _serve()


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""

    cert: Path
    key: Path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate valid for IP 127.0.0.1 and the name localhost."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SheetCRM test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(cert=folder / "cert.pem", key=folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture
def tls_client_context(tls_files: TlsFiles) -> ssl.SSLContext:
    """A client context with full verification that trusts only the test certificate."""
    return ssl.create_default_context(cafile=str(tls_files.cert))


@pytest.fixture
def smtp_tls_server(tls_files: TlsFiles) -> Iterator[SmtpTestServer]:
    """A fresh SMTP server offering STARTTLS (login only after STARTTLS, as real servers do)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    yield from _serve(context)
