"""Which emails are due now: automations, approved campaigns and each manager's daily digest.

A pure rule (:func:`plan_mailings`, run by :func:`automations.cycle_plan.customer_rules` with the
activity it already gathered): it reads the snapshot and returns the emails that are due, each with
a deterministic idempotency key, rendered with :class:`~automations.mail.templates.TemplateBook`. It
does not look at the daily cap (the sending step does, and it also drops keys already in the Mail
log). It reads the Mail log for addresses that bounced (never mailed again), the campaigns'
progress, and to leave out keys it already holds (so a sent campaign is not rendered again every
cycle).

Each kind of email has its own module: :mod:`automations.mail.automations` (welcome, birthday,
anniversary, dormant, follow-up), :mod:`automations.mail.campaigns` and
:mod:`automations.mail.digests`; what they share (the customers, who may get mail, rendering one
email) is :mod:`automations.mail.planning`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from automations.mail.automations import plan_automations
from automations.mail.campaigns import plan_campaigns
from automations.mail.digests import plan_digests
from automations.mail.planning import Planner
from automations.rules.activity import CustomerActivity
from sheet_schema.model import CellWrite, Email, Plan, Snapshot
from sheet_schema.schema import Schema

# The kinds of mailing, each a rule of its own for the contract guard (automations.cycle_plan).
MAIL_PARTS = ("automations", "campaigns", "digests")


@dataclass(frozen=True)
class MailingPlan:
    """The emails due now, the Campaigns status cells that change, and what could not be done.

    ``failures`` are English sentences naming the tab, row and column (a template that did not
    render, an unusable setting); the cycle report prints them.
    """

    emails: tuple[Email, ...] = ()
    writes: tuple[CellWrite, ...] = ()
    failures: list[str] = field(default_factory=list)
    problem_notes: tuple[CellWrite, ...] = ()

    @property
    def plan(self) -> Plan:
        """The emails and writes as a rule's plan; failures become the plan's notes, and the
        sentences for Problems cells (a template that did not render) its problem notes."""
        return Plan(
            writes=self.writes,
            emails=self.emails,
            notes=tuple(self.failures),
            problem_notes=self.problem_notes,
        )


def plan_mailings(
    schema: Schema,
    snapshot: Snapshot,
    now: datetime,
    activity: Mapping[str, CustomerActivity] | None = None,
    parts: Collection[str] = MAIL_PARTS,
    computed: Iterable[CellWrite] = (),
) -> MailingPlan:
    """Every email due now, the Campaigns cells that change, and what could not be planned.

    ``activity`` is :func:`~automations.rules.activity.gather_activity` of this snapshot and day,
    when the caller has it (the cycle shares it with the reminder and lifecycle rules); otherwise
    it is gathered here. ``parts`` names the kinds planned (those the contract guard lets run).
    ``computed`` are the Customers cells this cycle's lifecycle rule writes: campaigns filter on
    them (a "Lifecycle = Active" campaign reaches who is Active today).
    """
    planner = Planner(schema, snapshot, now, activity, computed)
    if "automations" in parts:
        plan_automations(planner)
    if "campaigns" in parts:
        plan_campaigns(planner)
    if "digests" in parts:
        plan_digests(planner)
    return MailingPlan(
        emails=tuple(planner.emails.values()),
        writes=tuple(planner.writes),
        failures=planner.failure_sentences(),
        problem_notes=tuple(planner.template_problem_notes()),
    )
