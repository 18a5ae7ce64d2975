"""How far SheetCRM's verdict on an Email cell agrees with public email-address corpora.

Corpora (``../shared/datasets/email_validation_corpus/``, see its SOURCE.md):
python-email-validator's test cases (286) and isemail's tests.xml (164).

The product's verdict is what a person sees: each address is read as an Email cell is read
(:func:`sheet_schema.cells.read_cell`, the text as typed) and judged by
:func:`automations.rules.addresses.check_address`, the one predicate the validator, the mail
planner and the message builder share. "Mailed" means no Problems sentence and an email goes out.

The corpus's verdict, "a mailer should send to it":

- email-validator cases: ``valid`` and ``valid_only_if_quoted_local_allowed`` say yes;
  ``invalid``, ``invalid_when_embedded_in_address`` and ``invalid_in_strict_mode_only`` say no
  (SheetCRM applies RFC 5321's length limits, as email-validator's strict mode does);
  ``see_status`` rows carry an isemail diagnosis, read as below;
- isemail: yes for the categories isemail itself counts as valid by default (its threshold,
  ISEMAIL_THRESHOLD = 16: VALID, DNSWARN and RFC5321), no for CFWS, DEPREC, RFC5322 and ERR
  (comments, folding whitespace, obsolete syntax and header-only forms that an SMTP envelope
  cannot carry, and errors).

Every disagreement gets one reason from :data:`REASONS` (or ``undocumented``, which the test
refuses). The script also checks the mailer against the validator: every address the validator
lets through must build a message whose envelope the SMTP client accepts (``mailer_refused``
must be 0).

Run: ``.venv/bin/python benchmarks/address_agreement.py``; prints JSON lines (one per
disagreement, then the summary).
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from automations.mail.message import build_message  # noqa: E402
from automations.mail.smtp import _envelope  # noqa: E402
from automations.rules.addresses import check_address  # noqa: E402
from sheet_schema.cells import CellContext, read_cell  # noqa: E402
from sheet_schema.model import Email  # noqa: E402
from sheet_schema.schema import Column, load_schema  # noqa: E402

# ../shared/datasets beside the checkout (or beside the folder of worktrees).
CORPUS = next(
    (
        base / "shared" / "datasets" / "email_validation_corpus"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "datasets" / "email_validation_corpus").exists()
    ),
    ROOT.parent / "shared" / "datasets" / "email_validation_corpus",
)

# Why SheetCRM deliberately differs from the corpus. A small-business CRM sends to the
# addresses its customers type on a form; forms that only RFC lawyers use are refused with a
# sentence, so a person can fix the cell, rather than mailed and bounced.
REASONS = {
    "smtputf8_local": (
        "letters outside ASCII before the @: a real address, accepted with a Problems sentence, "
        "but not mailed, because delivering it needs SMTPUTF8, which SheetCRM does not use"
    ),
    "quoted_local": (
        'a quoted local part ("john doe"@example.com): valid in RFC 5321, refused in a cell '
        "because many mail servers and forms mishandle it and it is almost always a typing slip"
    ),
    "domain_literal": (
        "an IP-literal domain (user@[192.0.2.1]): valid in RFC 5321, refused because no "
        "customer's mailbox is addressed that way and such mail is treated as spam"
    ),
    "display_name": (
        "a name with the address (Ana <ana@example.com>): the cell holds the address alone; the "
        "name goes in the Name column"
    ),
    "surrounding_space": (
        "spaces before or after the address: isemail reads them as folding whitespace, which an "
        "SMTP envelope cannot carry; in a cell they are not part of the value (every text cell "
        "is read without its surrounding spaces), so SheetCRM mails the address inside"
    ),
    "special_use_domain": (
        "a domain without a dot, or one reserved for special use (localhost, .test, .invalid, a "
        "numeric top-level domain): no public mail server answers for it"
    ),
}


@dataclass(frozen=True)
class Case:
    """One corpus address and what the corpus says a mailer should do with it."""

    source: str
    address: str
    corpus_mails: bool
    label: str  # the corpus's own label or diagnosis


@dataclass(frozen=True)
class Outcome:
    """The product's verdict on one case."""

    case: Case
    mailed: bool
    code: str | None
    reason: str | None  # None when the product agrees with the corpus


def _isemail_says_mail(label: str) -> bool:
    """isemail's default threshold: VALID, DNSWARN and RFC5321 are valid addresses."""
    return label.startswith(("ISEMAIL_VALID", "ISEMAIL_DNSWARN", "ISEMAIL_RFC5321"))


def corpus_cases(corpus: Path = CORPUS) -> Iterator[Case]:
    """Every address of both corpora, with the corpus's verdict."""
    with (corpus / "email_validator_test_cases.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            # The escaped column is the exact input (control characters, lone surrogates).
            address = codecs.decode(row["email_input_escaped"], "unicode_escape")
            label = row["expected_valid"]
            if label == "see_status":
                label = row["expected_error_or_status"]
                mails = _isemail_says_mail(label)
            else:
                # SheetCRM checks like email-validator's strict mode (RFC 5321's 64-character
                # local part), so "invalid in strict mode" is the corpus saying no.
                mails = label in ("valid", "valid_only_if_quoted_local_allowed")
            yield Case("email-validator", address, mails, label)
    with (corpus / "isemail_tests.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            label = row["category"]
            address = row["address_with_control_chars_decoded"]
            yield Case("isemail", address, _isemail_says_mail(label), row["diagnosis"])


@functools.cache
def _email_column() -> Column:
    return load_schema().tab("Customers").column("email")


def product_verdict(address: str) -> tuple[bool, str | None]:
    """Whether SheetCRM mails this address typed in an Email cell, and its Problems code."""
    typed = read_cell(_email_column(), address, CellContext()).text  # what the row keeps as typed
    if not typed.strip():
        return False, "required.missing"
    verdict = check_address(typed)
    return verdict.mailable, verdict.code


def _reason(case: Case, code: str | None) -> str:
    """The documented reason for a disagreement, or ``undocumented``."""
    text = case.address.strip()
    local, _, domain = text.rpartition("@")
    if not case.corpus_mails:
        if code is None and text != case.address and not any(ch in "\r\n" for ch in case.address):
            return "surrounding_space"
    else:
        if code == "email.smtputf8":
            return "smtputf8_local"
        if text.endswith(">") and "<" in text:
            return "display_name"
        if domain.startswith("[") or "[" in domain:
            return "domain_literal"
        if local.startswith('"') or '"' in local:
            return "quoted_local"
        last = domain.rsplit(".", 1)[-1]
        if "." not in domain or last.isdigit() or last in ("localhost", "test", "invalid"):
            return "special_use_domain"
    return "undocumented"


def judge(cases: Iterator[Case]) -> list[Outcome]:
    """The product's verdict on every case, with the reason of each disagreement."""
    outcomes = []
    for case in cases:
        mailed, code = product_verdict(case.address)
        reason = None if mailed == case.corpus_mails else _reason(case, code)
        outcomes.append(Outcome(case, mailed, code, reason))
    return outcomes


def mailer_refusals(outcomes: list[Outcome]) -> list[str]:
    """Addresses the validator lets through but the message builder or SMTP client refuses."""
    refused = []
    now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    for outcome in outcomes:
        if not outcome.mailed:
            continue
        email = Email(
            key="welcome:C-0001",
            to=outcome.case.address,
            subject="Welcome",
            body_text="Hello",
            template="welcome",
            customer_id="C-0001",
        )
        try:
            _envelope(build_message(email, "shop@example.com", "Shop", now))
        except ValueError as exc:
            refused.append(f"{outcome.case.address!r}: {exc}")
    return refused


def summary(outcomes: list[Outcome]) -> dict[str, object]:
    """Count, agreement and the disagreements by reason."""
    agreed = sum(1 for o in outcomes if o.reason is None)
    return {
        "count": len(outcomes),
        "agreed": agreed,
        "rate": round(agreed / len(outcomes), 4),
        "disagreements_by_reason": dict(
            sorted(Counter(o.reason for o in outcomes if o.reason).items())
        ),
        "corpus_mails_product_not": sum(1 for o in outcomes if o.reason and not o.mailed),
        "product_mails_corpus_not": sum(1 for o in outcomes if o.reason and o.mailed),
        "mailer_refused": len(mailer_refusals(outcomes)),
    }


def main() -> None:
    """Print one JSON line per disagreement, then the summary."""
    outcomes = judge(corpus_cases())
    for outcome in outcomes:
        if outcome.reason:
            print(
                json.dumps(
                    {
                        "source": outcome.case.source,
                        "address": outcome.case.address,
                        "corpus": outcome.case.label,
                        "corpus_mails": outcome.case.corpus_mails,
                        "sheetcrm_mails": outcome.mailed,
                        "problem": outcome.code,
                        "reason": outcome.reason,
                    },
                    ensure_ascii=False,
                )
            )
    for refusal in mailer_refusals(outcomes):
        print(json.dumps({"mailer_refused": refusal}, ensure_ascii=False))
    print(json.dumps(summary(outcomes)))


if __name__ == "__main__":
    main()
