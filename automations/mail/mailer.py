"""What every mailer promises: one session per cycle, a SendResult per message, never a raise.

A :class:`Mailer` opens one :class:`MailSession` per cycle:
:class:`~automations.mail.smtp.SmtpMailer` talks to a real SMTP server (Gmail, Workspace, any
provider), :class:`~automations.mail.outbox.OutboxMailer` writes ``.eml`` files to a folder (the
demo, and a dry run a person can open in a mail program). The messages themselves are built by
:func:`automations.mail.message.build_message`.

Sending reports a :class:`SendResult` instead of raising, and keeps apart the one case that must
never be retried blindly: the connection died after the message was handed over, so it may or
may not have been delivered (``UNKNOWN``; DESIGN.md invariant 4). Only "cannot start at all"
(wrong host, password, TLS setting) and refusals that every next message would meet too (the
server wants a login, refuses the sender) raise :class:`MailerError`: the batch stops and the
emails not handed over wait for a later cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from enum import Enum
from typing import Protocol


class SendOutcome(Enum):
    """What happened to one message."""

    SENT = "Sent"  # the server took it (250), or the outbox file was written
    FAILED = "Failed"  # not delivered; ``temporary`` says whether a later retry may work
    BOUNCED = "Bounced"  # the server refused the recipient for good (5xx at RCPT)
    UNKNOWN = "Unknown"  # connection lost after the message was handed over: ask a person
    WAITING = "Waiting"  # never handed to the server (the batch stopped first): sent later


@dataclass(frozen=True)
class SendResult:
    """The outcome of sending one message; ``error`` is a sentence for the Mail log."""

    outcome: SendOutcome
    error: str = ""
    temporary: bool = False


class MailerError(Exception):
    """The mailer cannot go on: no connection, login refused, TLS missing, sender refused.

    Raised when a session cannot start (nothing was sent) or, mid-batch, when the server refuses
    something that is not about one recipient (it wants a login, it refuses the sender): every
    next message would be refused the same way, so the batch stops and the rest waits.
    ``str()`` is a sentence a shop owner can act on: which server, what to fix. It never
    contains the password.
    """


class MailSession(Protocol):
    """One open connection (or open outbox) for a cycle."""

    def send(self, message: EmailMessage, handing: Callable[[], None] | None = None) -> SendResult:
        """Send one message; never raises for a refused or lost message.

        ``handing`` is called just before the message itself is handed over (SMTP ``DATA``,
        the outbox file write), after every check that can refuse it without sending it. If it
        raises, nothing is handed over and the exception propagates.
        """
        ...


class Mailer(Protocol):
    """Where the bot's emails go."""

    def describe(self) -> str:
        """One line for people: where messages go (never a password)."""
        ...

    def session(self) -> AbstractContextManager[MailSession]:
        """Open one connection for a whole cycle; raises MailerError if that is impossible."""
        ...
