"""Build the MIME message for one planned email: headers, addresses, Message-ID, body.

:func:`build_message` makes one :class:`~email.message.EmailMessage` per recipient (nobody ever
sees another customer's address); a :class:`~automations.mail.mailer.Mailer`
(:mod:`automations.mail.smtp`, :mod:`automations.mail.outbox`) then sends it.
"""

from __future__ import annotations

import hashlib
import unicodedata
import urllib.parse
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from automations.rules.addresses import check_address
from sheet_schema.model import Email

# The SMTP policy (CRLF line ends, lines folded at 78) with 7-bit bodies: non-ASCII text goes
# out as quoted-printable or base64, so any server takes it without the 8BITMIME extension.
MESSAGE_POLICY = email_policy.SMTP.clone(cte_type="7bit")

# Header carrying the idempotency key, so a person can match a delivered message (or an .eml
# file) to its Mail log row.
KEY_HEADER = "X-SheetCRM-Key"


# Python 3.11's header folder mangles long display names: a name that does not fit on the first
# header line can lose its quotes (so commas and colons in it are read as address syntax) or
# even produce an empty line, which ends the header block. Names of at most this many
# characters (after escaping double quotes), without backslashes, always fit on one line.
_NAME_LIMIT = 64


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
    message["Subject"] = one_line(email.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(email.key, sender.domain)
    message[KEY_HEADER] = _VerbatimHeader(KEY_HEADER, one_line(email.key))
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


def one_line(text: str) -> str:
    """``text`` without line breaks or other control characters, whitespace collapsed."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(cleaned.split())


def _display_name(text: str) -> str:
    """A display name that Python's header folder cannot mangle (see ``_NAME_LIMIT``)."""
    name = one_line(text).replace("\\", "")[:_NAME_LIMIT]
    while len(name) + name.count('"') > _NAME_LIMIT:
        name = name[:-1]
    return name.strip()


def _address(address: str, name: str, role: str) -> Address:
    """One mailbox, in the ASCII form the envelope carries (internationalised domains as IDNA).

    Whether an address can be mailed is :func:`~automations.rules.addresses.check_address`,
    the validator's own verdict, so a customer whose Problems cell is silent is never refused
    here, and one refused here has a Problems sentence saying why.
    """
    verdict = check_address(address)
    if verdict.ascii_address is None:
        raise ValueError(
            f"the {role} address {address.strip()!r} cannot be mailed: {verdict.reason}"
        )
    try:
        return Address(display_name=_display_name(name), addr_spec=verdict.ascii_address)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"the {role} address {address!r} is not a valid email address") from exc
