"""The one decision about an Email cell: is it an address, and can SheetCRM mail it?

The validator (:mod:`automations.rules.row_checks`), the mail planner
(:mod:`automations.mail.planning`) and the message builder (:mod:`automations.mail.message`) all
ask :func:`check_address`, so a cell the Problems column accepts silently is always one the
mailer can send to, and a cell the mailer will not send to always has a Problems sentence.

SheetCRM talks plain SMTP without the SMTPUTF8 extension (most small-business mail accounts
and many receiving servers do not offer it), so:

- an address with letters outside ASCII *before* the @ is a real address, but SheetCRM does
  not mail it (``email.smtputf8``: accepted, with a sentence saying why);
- an internationalised *domain* is fine: the envelope and headers carry its ASCII (IDNA) form;
- quoted local parts, IP-literal domains and display names ("Ana <ana@example.com>") are
  refused: a cell holds one plain address (email-validator's defaults);
- more than 64 characters before the @, or 254 in all, is refused (``email.too_long``):
  RFC 5321's limits, which mail servers enforce;
- a line break anywhere in the cell, even around the address, is refused
  (``email.line_break``): it is a sign of pasted junk, and a header must never carry it.

Syntax only: no DNS lookup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

# Every character str.splitlines() breaks on: CR, LF, VT, FF, FS, GS, RS, NEL, LS, PS.
_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")

# Message codes (automations.messages) that mean "accepted as an address, but not mailed".
ACCEPTED_NOT_MAILED = frozenset({"email.smtputf8"})


@dataclass(frozen=True)
class AddressVerdict:
    """What SheetCRM makes of one Email cell.

    ``code`` is None for an address SheetCRM mails; otherwise the message code of the Problems
    sentence (see :data:`ACCEPTED_NOT_MAILED` for the codes that still accept the address).
    """

    code: str | None
    normalized: str | None = None  # as shown and compared (Unicode domain); None if refused
    ascii_address: str | None = None  # what the envelope and headers carry; None if not mailed
    # One person's address however typed (case, NFC, Unicode or IDNA domain); None if refused.
    identity: str | None = None

    @property
    def mailable(self) -> bool:
        """SheetCRM sends email to this address."""
        return self.code is None

    @property
    def accepted(self) -> bool:
        """The cell holds a real address (mailed or not)."""
        return self.normalized is not None

    @property
    def reason(self) -> str:
        """Why the address is not mailed, in English for logs and exceptions ("" if it is)."""
        return _REASONS.get(self.code or "", "") if self.code else ""


_REASONS = {
    "email.at": "it needs exactly one @",
    "email.domain": "the part after the @ is not a valid domain",
    "email.local": "the part before the @ has characters an address cannot have",
    "email.invalid": "it is not a valid email address",
    "email.too_long": "it is longer than an address can be",
    "email.line_break": "the cell has a line break in it",
    "email.smtputf8": (
        "it has letters outside ASCII before the @, which needs SMTPUTF8; SheetCRM does not mail it"
    ),
}


@functools.lru_cache(maxsize=1 << 16)
def check_address(cell: str) -> AddressVerdict:
    """The verdict on an Email cell's text as typed (surrounding spaces are ignored).

    Cached: a pure function of the text, checked for every row of every cycle.
    """
    if any(ch in _LINE_BREAKS for ch in cell):
        return AddressVerdict("email.line_break")
    text = cell.strip()
    try:
        # strict: at most 64 characters before the @ (RFC 5321), which mail servers enforce.
        result = validate_email(text, check_deliverability=False, strict=True)
    except EmailNotValidError as error:
        return AddressVerdict(_refusal_code(text, str(error)))
    identity = f"{result.local_part}@{result.ascii_domain or result.domain}".casefold()
    if result.ascii_email is None:
        return AddressVerdict("email.smtputf8", result.normalized, identity=identity)
    return AddressVerdict(None, result.normalized, result.ascii_email, identity)


def _refusal_code(text: str, reason: str) -> str:
    """The message code for email-validator's refusal, by where the mistake is."""
    if text.count("@") != 1:
        return "email.at"
    if "too long" in reason:
        return "email.too_long"
    if "after the @-sign" in reason or ("period" in reason and "@" in reason):
        return "email.domain"
    if "before the @-sign" in reason:
        return "email.local"
    return "email.invalid"
