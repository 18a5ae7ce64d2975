"""How a form answer's email and phone are compared with the customers': as the validator reads
them (:class:`~automations.rules.row_checks.RowFacts`), so a person is found whichever way the
address or number was typed.
"""

from __future__ import annotations

import phonenumbers

from automations.rules.addresses import check_address


def email_key(text: str) -> str:
    """An address as the validator compares it (:class:`~automations.rules.row_checks.RowFacts`:
    normalised, case folded); text that is not an address, as typed, case folded."""
    verdict = check_address(text)
    if verdict.normalized is not None:
        return verdict.normalized.casefold()
    return text.strip().casefold()


def e164(text: str, region: str) -> str | None:
    """A phone number in E.164 (+34600123456), or None when it is not a valid one (the
    validator's reading, :class:`~automations.rules.row_checks.RowFacts`)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
