"""Every sentence the bot writes into the workbook, as message codes and their English text.

Rules never build sentences themselves: they produce a message code and its facts (``params``),
and :func:`render` turns them into text in the workbook's language (Settings ``Language``). The
English text is the gettext message id; the other languages are the ``sheetcrm`` catalogs in
``sheet_schema/locales`` (see sheet_schema.translation). Lists ("8, 9 or 10") and dates written
for people ("3 April 2024") come from Babel via sheet_schema.formatting, so they follow each
language's conventions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sheet_schema.formatting import (
    and_list,
    locale_of,
    long_date,
    money_example,
    month_name,
    or_list,
)
from sheet_schema.translation import LANGUAGES, N_, Nn_, Text, language_of, translated, yes_no

__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "and_list",
    "language_of",
    "locale_of",
    "long_date",
    "money_example",
    "month_name",
    "or_list",
    "render",
    "shown",
    "yes_no",
]

_SHOWN_CHARACTERS: Final = 80
# The allowed values of a column come from the schema or the team's Lists tab, not from a cell:
# cut at 80 characters they ended "... Cold call, Pa…", hiding the very values to pick from.
# A campaign's reasons for reaching nobody are the bot's own counts, never a typed cell. The
# mail server's refusal, explained by the mailer (automations.mail.smtp_errors), is the bot's own
# sentence too: cut, it would lose the part that says what to fix.
_WHOLE_LISTS: Final = frozenset({"allowed", "reasons", "refusal"})
_SHOWN_LIST_CHARACTERS: Final = 400

MESSAGES: Final[Mapping[str, Text]] = {
    # --- validation: cells ------------------------------------------------------------------
    "required.missing": N_("{column} is empty; this column is required."),
    "key.missing": N_(
        "{column} is empty: until it is filled, the bot does not check this row, remind about "
        "it or email it."
    ),
    "date.invalid": N_("{column}: '{value}' is not a date; type it like {example}."),
    "date.no_year": N_("{column}: '{value}' has no year; type the whole date, like {example}."),
    "date.impossible_day": N_(
        "{column}: '{value}' is not a real date: {month} {year} has no day {day}."
    ),
    "date.impossible_month": N_(
        "{column}: '{value}' is not a real date: there is no month {month}."
    ),
    "date.ambiguous": N_(
        "{column}: '{value}' can be read two ways; it was read as {read_as} (Settings, "
        "Date order {order}). Type {iso} to be sure."
    ),
    "date.year_alone": N_(
        "{column}: '{value}' looks like a year alone, not a date; type the whole date, like "
        "{example}."
    ),
    "date.implausible": N_(
        "{column}: '{value}' is a number; read as a date it would be {as_date}, which cannot be "
        "meant here. Type the date like {example}."
    ),
    "date.future": N_("{column}: {value} is in the future."),
    "deal.won_without_closed": N_("{column} is empty: type the day this Won deal was won."),
    "deal.lost_without_reason": N_("{column} is empty: say why this deal was lost."),
    "date.before": N_("{column}: {value} is before {other} ({other_value})."),
    "time.invalid": N_("{column}: '{value}' has a time of day that does not exist."),
    "cell.unreadable": N_("{column}: '{value}' cannot be read."),
    "money.invalid": N_("{column}: '{value}' is not an amount; type it like {example}."),
    "number.invalid": N_("{column}: '{value}' is not a number."),
    "number.ambiguous": N_(
        "{column}: '{value}' could be {grouped} or {decimal}; it counts as unknown until you type "
        "{whole} or {decimal}, or set Decimal separator in Settings."
    ),
    "number.too_large": N_("{column}: '{value}' is too large; numbers here must be below {limit}."),
    "number.negative": N_("{column}: {value} is negative; expected 0 or more."),
    "choice.unknown": N_("{column}: '{value}' is not one of {allowed}."),
    "choice.suggest": N_("{column}: '{value}' is not one of {allowed}. Did you mean {suggestion}?"),
    "boolean.invalid": N_("{column}: '{value}' is not yes or no; type {yes} or {no}."),
    # --- validation: emails and phones ------------------------------------------------------
    "email.at": N_("{column}: '{value}' is not an email address: it needs exactly one @."),
    "email.domain": N_(
        "{column}: '{value}': the part after the @ is not a valid domain (like example.com)."
    ),
    "email.local": N_(
        "{column}: '{value}': the part before the @ has characters an address cannot have."
    ),
    "email.invalid": N_("{column}: '{value}' is not a valid email address."),
    "email.too_long": N_(
        "{column}: '{value}' is too long for an email address: at most 64 characters before "
        "the @ and 254 in all."
    ),
    "email.line_break": N_(
        "{column}: '{value}' has a line break in the cell; type the address alone on one line. "
        "SheetCRM will not mail it until then."
    ),
    "email.smtputf8": N_(
        "{column}: '{value}' has letters outside ASCII before the @; most mail servers cannot "
        "deliver to it, so SheetCRM will not mail it."
    ),
    "phone.unreadable": N_("{column}: '{value}' is not a phone number."),
    "phone.length": Nn_(
        "{column}: {value} has {digits} digit after +{code}; expected {expected}.",
        "{column}: {value} has {digits} digits after +{code}; expected {expected}.",
        "digits",
    ),
    "phone.invalid": N_("{column}: {value} is not a valid number in {country}."),
    "country.unknown": N_(
        "{column}: '{value}' is not a country name or two-letter code; phone numbers "
        "without +code are read as {default}."
    ),
    # --- validation: across rows ------------------------------------------------------------
    "duplicate.email": N_(
        "{column}: {value} is also the email of {others}; is this the same customer?"
    ),
    "duplicate.phone": N_(
        "{column}: {value} is the same number as {others} ({e164}); is this the same customer?"
    ),
    # --- likely duplicates and merges (automations.rules.duplicates, merges) -----------------
    "duplicate.same_email": N_("same email"),
    "duplicate.same_phone": N_("same phone"),
    "duplicate.close_names": N_("names {score}% alike at {company}"),
    "merge.self": N_("{column}: {value} is this row's own ID; type the ID of the row to keep."),
    "merge.merged": N_(
        "{column}: {value} was merged into {kept} already; type {kept} to merge this row there."
    ),
    "merge.both_ways": N_(
        "{column}: {value} says to merge into this row too; clear one of the two {column} cells."
    ),
    "merge.chain": N_("{column}: {value} is itself to be merged into {next}; type {next} instead."),
    "ref.missing": N_("{column}: {value} is not the ID of any row in {tab}."),
    "ref.mismatch": N_("{column}: deal {value} belongs to customer {owner}, not to {customer}."),
    "ref.unknown": N_(
        "{column}: '{value}' is not the ID, {known} of any row in {tab}; type it as it is "
        "there, or the ID."
    ),
    "ref.ambiguous": N_(
        "{column}: '{value}' matches {count} rows in {tab} ({candidates}); type the ID of the "
        "one you mean."
    ),
    "ref.no_id": N_(
        "{column}: '{value}' is row {row} of {tab}, which has no ID yet; its ID is written here "
        "once it has one."
    ),
    # --- the Resolved from column: what a person typed before the bot wrote the ID ----------
    "ref.resolved_from": N_("{column}: '{value}' was replaced by {id}, matched by {how}."),
    "template.syntax": N_("{column}: the template does not compile (line {line}): {error}."),
    "template.unknown": N_("{column}: there is no template with key '{value}' in Templates."),
    # --- rendering a template (automations.mail.templates, template_budget) ------------------
    "template.render_failed": N_(
        "{column}: this template cannot be rendered, so its emails are not sent: {error}"
    ),
    "template.too_long": N_(
        "{column}: an email would be longer than {limit} characters, so this template's emails "
        "are not sent."
    ),
    "template.too_slow": N_(
        "{column}: one email took longer than {seconds} s to render, so this template's emails "
        "are not sent."
    ),
    "template.too_big_value": N_(
        "{column}: the template builds a text or list of more than {limit} items, so its emails "
        "are not sent."
    ),
    "template.too_big_number": N_(
        "{column}: the template computes a number too large to write, so its emails are not sent."
    ),
    "template.too_big_range": N_(
        "{column}: range() counts at most {limit} items, so this template's emails are not sent."
    ),
    "campaign.template_failed": N_(
        "{column}: the template '{template}' cannot be rendered, so this campaign sent nothing "
        "(Templates row {row}, {part}: {error})."
    ),
    "campaign.no_match": N_(
        "{column}: no customer matches {filter} on {date}, so nothing was sent. The campaign "
        "waits (Scheduled) and goes out to those who match it (created by {send_on}) in a later "
        "cycle; set Approved to No to drop it."
    ),
    "campaign.none_reachable": Nn_(
        "{column}: {count} customer matches {filter} on {date} but cannot get this marketing "
        "email ({reasons}), so nothing was sent. The campaign waits (Scheduled) and goes out "
        "once one can; set Approved to No to drop it.",
        "{column}: {count} customers match {filter} on {date} but none can get this marketing "
        "email ({reasons}), so nothing was sent. The campaign waits (Scheduled) and goes out "
        "once one can; set Approved to No to drop it.",
        "count",
    ),
    "campaign.every_customer": N_("(empty: every customer)"),
    "campaign.why.created": Nn_(
        "{count} created after {date}", "{count} created after {date}", "count"
    ),
    "campaign.why.consent": Nn_("{count} without {column}", "{count} without {column}", "count"),
    "campaign.why.address": Nn_(
        "{count} without a usable email address", "{count} without a usable email address", "count"
    ),
    "campaign.why.unsubscribed": Nn_(
        "{count} unsubscribed or bounced", "{count} unsubscribed or bounced", "count"
    ),
    "automation.template_failed": N_(
        "{column}: the template '{template}' cannot be rendered, so the emails that use it are "
        "not sent (Templates row {row}, {part}: {error})."
    ),
    "automation.template_failed_in": N_(
        "{column}: the template '{template}' in language {language} cannot be rendered, so "
        "customers who get it in that language are not sent this email (Templates row {row}, "
        "{part}: {error})."
    ),
    # --- stage history ----------------------------------------------------------------------
    "history.inferred": N_("inferred from {column}"),
    # --- reminders --------------------------------------------------------------------------
    "reminder.overdue": N_(
        "Overdue follow-up: {deal} in {stage} since {since}, follow-up due {date}"
    ),
    "reminder.overdue_undated": N_("Overdue follow-up: {deal} in {stage}, follow-up due {date}"),
    "reminder.birthday": N_("Birthday on {date}"),
    "reminder.anniversary": N_("Purchase anniversary on {date} (first purchase {first})"),
    "reminder.complaint": N_("Unanswered complaint {interaction} of {date}"),
    "reminder.more": N_("{text} (+{count} more)"),
    # --- campaigns: segment filters ---------------------------------------------------------
    "segment.bad_clause": N_(
        "{column}: '{clause}' is not a condition; write it like Country = ES and Lifecycle != Lost."
    ),
    "segment.unknown_column": N_("{column}: '{name}' in '{clause}' is not a column of Customers."),
    "segment.unknown_column_suggest": N_(
        "{column}: '{name}' in '{clause}' is not a column of Customers. Did you mean {suggestion}?"
    ),
    "segment.no_value": N_("{column}: '{clause}' has no value after {operator}."),
    "segment.bad_value": N_("{column}: in '{clause}', '{value}' is not one of {allowed}."),
    # --- the managers' daily digest ---------------------------------------------------------
    "digest.subject": N_("Your customers' reminders for {date}: {count}"),
    "digest.greeting": N_("Hello {manager},"),
    "digest.intro": N_("These reminders about your customers are due today ({date}) or overdue:"),
    "digest.follow_up_today": N_("Follow-up due today: {deal} {stage}"),
    "digest.unresolved_customer": N_("'{value}' (names no single customer in Customers)"),
    # --- lifecycle --------------------------------------------------------------------------
    "lifecycle.lost": N_("Every deal was lost ({count}) and nothing was bought."),
    "lifecycle.active": N_("Bought before; last purchase or contact on {date}."),
    "lifecycle.bought": N_("Bought before; no purchase or contact has a date yet."),
    "lifecycle.lead_open": N_("No purchase yet; open deal {deal}."),
    "lifecycle.lead_recent": N_("No purchase yet; last contact or new record on {date}."),
    "lifecycle.lead_new": N_("No purchase, deal or contact recorded yet."),
    "lifecycle.dormant": Nn_(
        "No purchase or contact since {date} (more than {days} day).",
        "No purchase or contact since {date} (more than {days} days).",
        "days",
    ),
    "lifecycle.churned": Nn_(
        "No purchase or contact since {date} (more than {days} day).",
        "No purchase or contact since {date} (more than {days} days).",
        "days",
    ),
    # --- the contract guard and the journal check (Bot status tab, run output) ----------
    # --- form intake (automations.intake.forms): marks in the form's tab, and the report ---
    "form.no_contact": N_("no name, email or phone"),
    "form.rejected": N_("Not imported: {reason}"),
    "form.already": N_("{customer}: already imported ({interaction})"),
    "form.differs": N_("{question}: {answer} (the customer's row has {current})"),
    "form.nothing": N_("{tab}: no new answers"),
    # What form intake read: the tab's name, then each count in its plural form ("Form responses
    # 1: 2 new customers, 1 answer from a known customer, ...").
    "form.count.new": Nn_("{count} new customer", "{count} new customers", "count"),
    "form.count.known": Nn_(
        "{count} answer from a known customer", "{count} answers from known customers", "count"
    ),
    "form.count.already": Nn_("{count} already imported", "{count} already imported", "count"),
    "form.count.rejected": Nn_("{count} not imported", "{count} not imported", "count"),
    "form.count.waiting": Nn_(
        "{count} waiting for a customer's ID", "{count} waiting for a customer's ID", "count"
    ),
    "part.ids": N_("New IDs in {tab}"),
    "part.validate": N_("Problems of {tab}"),
    "part.history": N_("Stage history"),
    "part.reminders": N_("Reminders"),
    "part.lifecycle": N_("Lifecycle"),
    "part.automations": N_("Automation emails"),
    "part.campaigns": N_("Campaigns"),
    "part.digests": N_("Manager digests"),
    "part.sending": N_("Sending"),
    "part.duplicates": N_("Possible duplicates"),
    "part.merges": N_("Merges"),
    "part.forms": N_("Form intake"),
    "guard.not_updated": N_("not updated"),
    "guard.tab_missing": N_("the {tab} tab is missing"),
    "guard.tab_renamed": N_(
        "the {tab} tab is missing, but '{title}' has its columns: if it was renamed, rename it "
        "back to {tab}"
    ),
    "guard.tab_unreadable": N_("the header row of the {tab} tab cannot be read"),
    "guard.column_missing": N_("the {column} column of {tab} is missing (renamed?)"),
    "status.all_ran": N_("Nothing: every rule ran."),
    "status.lists_ok": N_("The team's lists were read from the Lists tab."),
    "status.settings_ok": N_("Every setting was read."),
    "status.sending_on": N_("On: emails that are due are sent."),
    "status.batch_stopped": N_(
        "Sending stopped in the last cycle: {refusal} The emails not handed over (Waiting in the "
        "Mail log) go out once this is fixed."
    ),
    "status.not_sent": N_(
        "No email could go out in the last cycle: {refusal} The emails that are due wait and go "
        "out once this is fixed."
    ),
    "status.email_to_check": N_(
        "{key} to {to}, planned {planned}: the bot stopped or lost the connection while sending "
        "it, so it may have gone out (Status Unknown in the Mail log). It is not sent again: "
        "check the Sent folder of the mailbox."
    ),
    "journal.missing": N_(
        "Sending stopped: the Mail log tab is missing, so the bot cannot tell which emails it "
        "already sent. Restore the tab from the version history, or run "
        "`sheetcrm confirm-mail-log` to send again without it (campaigns marked Sent stay sent)."
    ),
    "journal.shrunk": N_(
        "Sending stopped: the Mail log has fewer keys ({count}) than the bot recorded "
        "({recorded}); rows may have been deleted, and their emails would go out again. Restore "
        "them from the version history, or run `sheetcrm confirm-mail-log` to accept the Mail "
        "log as it is."
    ),
}


def render(code: str, language: str, params: Mapping[str, object]) -> str:
    """The sentence for a message code in a language, with its placeholders filled.

    An unknown code is a programming error (KeyError); a missing placeholder too, so a test that
    renders every code catches it.
    """
    text = translated(MESSAGES[code], language, params)
    limits = {k: _SHOWN_LIST_CHARACTERS if k in _WHOLE_LISTS else _SHOWN_CHARACTERS for k in params}
    return text.format_map({k: shown(v, limits[k]) for k, v in params.items()})


def shown(value: object, limit: int = _SHOWN_CHARACTERS) -> str:
    """A value as quoted in a sentence: on one line, and cut with an ellipsis when very long.

    Line breaks typed in a cell would split one problem over several lines of the Problems cell.
    """
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
