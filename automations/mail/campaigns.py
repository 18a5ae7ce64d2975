"""Campaigns: one approved mailing to the customers a Segment filter picks, and its status cells.

Approved, Send on today or earlier, an ID, a template that exists: one email to each customer
matching the Segment filter (:func:`~automations.rules.segment_filter.parse_segment_filter`) who
was created on or before Send on (a customer added later did not belong to the mailing). Key
``campaign:{campaign}:{customer}``. Marketing. The bot columns say Draft (not approved),
Scheduled (Send on ahead, or due but reaching nobody yet), Sending (some recipient has no Mail
log row yet), Sent (all do) or Failed (due, but the template or the filter cannot be used: the
Problems cell says why); Sent and Failed count the campaign's Mail log rows with status Sent,
and Failed, Bounced or Unknown. A campaign whose Status says Sent is never sent again, whatever
the Mail log says.

A due campaign that reaches nobody (no customer matches the filter, or none of those who do may
get marketing email) is not Sent: "Sent 0" could not be told from a failure, and Sent is for
good. It stays Scheduled with a Problems sentence saying so (how many matched and why none can
get it), and goes out in the cycle someone can: a campaign goes to whoever matches once its
Send on has come, as a Sending one does.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from automations import messages
from automations.mail.planning import Planner, one_line
from automations.mail.sending import REQUIRES as SENDING_REQUIRES
from automations.mail.templates import TemplateError
from automations.rules.activity import as_date, cell_changed, id_key, is_ready
from automations.rules.contract import Inputs
from automations.rules.segment_filter import SegmentFilter, SegmentFilterError, parse_segment_filter
from sheet_schema.cells import CellContext
from sheet_schema.model import CellWrite, Row

_FAILED_STATUSES = frozenset({"Failed", "Bounced", "Unknown"})
# What campaigns read (automations.rules.contract). With Email renamed, nobody would be eligible
# and the campaign would be marked Sent having sent nothing; its cells stay as they are instead.
REQUIRES = (
    Inputs(
        {
            "Campaigns": ("ID", "Name", "Segment filter", "Template", "Send on", "Approved"),
            "Templates": ("Key", "Language", "Subject", "Body"),
            "Customers": (
                "ID",
                "Name",
                "Email",
                "Language",
                "Created",
                "Marketing consent",
                "Unsubscribed",
            ),
        }
    )
    + SENDING_REQUIRES
)


def plan_campaigns(planner: Planner) -> None:
    """Campaign emails that are due, and each campaign's Status, Sent and Failed cells."""
    tab = planner.schema.tab("Campaigns")
    customers_tab = planner.schema.tab("Customers")
    for row in planner.snapshot.tab(tab.name):
        if not row.row_id or not is_ready(tab, row):
            continue
        campaign_id = id_key(row.row_id)
        send_on = as_date(row.get("send_on"))
        template = row.text("template").strip()
        counts = planner.campaign_counts.get(campaign_id, Counter())
        if row.get("status") == "Sent":
            # Sent once is sent for good, whatever the Mail log says now (a Mail log emptied or
            # deleted by accident must not send the campaign again). With no log rows left for
            # it, its counts stay as they are rather than dropping to zero.
            if not counts:
                continue
            status = "Sent"
        elif row.get("approved") is not True or send_on is None:
            status = "Draft"
        elif send_on > planner.today:
            status = "Scheduled"
        elif not planner.book.has(template):
            status = "Failed"  # the validator names the unknown template
        else:
            try:
                segment = parse_segment_filter(
                    row.text("segment_filter"),
                    customers_tab,
                    planner.language,
                    CellContext.of(planner.settings),
                )
            except SegmentFilterError:
                status = "Failed"  # the validator writes the sentence into Problems
            else:
                status = _send_campaign(
                    planner, row, campaign_id, template, segment, send_on, bool(counts)
                )
        sent = counts["Sent"]
        failed = sum(counts[s] for s in _FAILED_STATUSES)
        started = status in ("Sending", "Sent", "Failed")
        values: dict[str, object] = {
            "status": status,
            # A campaign that has not started shows no counts rather than zeros.
            "sent": sent if sent or started else None,
            "failed": failed if failed or started else None,
        }
        for column, value in values.items():
            if tab.has_column(column) and cell_changed(row, column, value):
                planner.writes.append(CellWrite(tab.name, row.row_id, column, value))


def _send_campaign(
    planner: Planner,
    row: Row,
    campaign_id: str,
    template: str,
    segment: SegmentFilter,
    send_on: date,
    started: bool,
) -> str:
    where = f"Campaigns row {row.number} ({one_line(row.text('name'))})"
    waiting = False
    rendered = False
    failure: TemplateError | None = None
    left_out: Counter[str] = Counter()  # customers matching the filter who cannot get it, by why
    reached = 0
    for customer in planner.customers:
        if not segment.matches(planner.current_row(customer)):
            continue
        created = customer.created
        # Customers added after the send day were not part of the mailing.
        why = "created" if created is not None and created > send_on else None
        why = why or planner.ineligible(customer, marketing=True)
        if why is not None:
            left_out[why] += 1
            continue
        reached += 1
        key = f"campaign:{campaign_id}:{customer.customer_id}"
        error = planner.add(key, customer, template, "campaign", where, campaign_id=campaign_id)
        if planner.is_duplicate(key, customer):
            continue  # another row with this address gets it: nothing to wait for here
        if key not in planner.logged:
            waiting = True
        failure = failure or error
        rendered = rendered or error is None
    if waiting and failure is not None and not rendered:
        # Nothing of this campaign can go out: say so on its row rather than "Sending 0/0".
        planner.note_template_failure(
            "Campaigns", row, "campaign.template_failed", template, failure
        )
        return "Failed"
    if not reached and not started:
        _note_nobody(planner, row, send_on, left_out)
        return "Scheduled"
    return "Sending" if waiting else "Sent"


# The order reasons are given in: what a person can fix first.
_REASONS = ("consent", "unsubscribed", "address", "created")


def _note_nobody(planner: Planner, row: Row, send_on: date, left_out: Counter[str]) -> None:
    """Say in the campaign's Problems cell that it reached nobody: no customer matches its
    filter, or how many do and why none of them can get it."""
    if not row.row_id:
        return
    language = planner.language
    column = planner.schema.tab("Campaigns").column("segment_filter").header
    typed = one_line(row.text("segment_filter"))
    shown = f"'{typed}'" if typed else messages.render("campaign.every_customer", language, {})
    params: dict[str, object] = {
        "column": column,
        "filter": shown,
        "date": planner.today.isoformat(),
        "send_on": send_on.isoformat(),
    }
    if not left_out:
        sentence = messages.render("campaign.no_match", language, params)
    else:
        consent = planner.schema.tab("Customers").column("marketing_consent").header
        reasons = ", ".join(
            messages.render(
                f"campaign.why.{why}",
                language,
                {"count": left_out[why], "column": consent, "date": send_on.isoformat()},
            )
            for why in _REASONS
            if left_out[why]
        )
        count = {"count": left_out.total(), "reasons": reasons}
        sentence = messages.render("campaign.none_reachable", language, {**params, **count})
    planner.problem_notes.append(CellWrite("Campaigns", row.row_id, "problems", sentence))
