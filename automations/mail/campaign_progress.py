"""Campaigns' Sent, Failed and Status cells brought up to date in the cycle that sent.

The campaigns rule (:mod:`automations.mail.campaigns`) counts from the Mail log as read, before
sending; :func:`campaign_progress` recounts with this cycle's outcomes so the cells are right at
once rather than one cycle late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from automations.mail.journal import LogEntry
from automations.mail.mailer import SendOutcome, SendResult
from sheet_schema.model import CellWrite, Email


def campaign_progress(
    due: Sequence[Email],
    entries: Mapping[str, LogEntry],
    sent_now: Mapping[str, Email],
    results: Mapping[str, SendResult],
) -> tuple[CellWrite, ...]:
    """Campaigns' Sent, Failed and Status cells as they stand after this cycle's sends.

    The plan's own campaign cells were counted from the Mail log as read, before sending; this
    brings them up to date in the same cycle (Sent and Failed as the campaigns rule counts them:
    Sent rows, and Failed, Bounced or Unknown rows), and says Sent once every email the campaign
    still had due went out or failed for good.
    """
    statuses = {key: e.status for key, e in entries.items() if e.campaign}
    campaign_of = {key: e.campaign for key, e in entries.items() if e.campaign}
    for key, result in results.items():
        campaign = (sent_now[key].campaign_id or "").strip().upper()
        if campaign:
            statuses[key] = result.outcome.value
            campaign_of[key] = campaign
    touched = {campaign_of[key] for key in results if key in campaign_of}
    writes: list[CellWrite] = []
    for campaign in sorted(touched):
        keys = [key for key, c in campaign_of.items() if c == campaign]
        sent = sum(1 for key in keys if statuses[key] == "Sent")
        failed = sum(1 for key in keys if statuses[key] in ("Failed", "Bounced", "Unknown"))
        writes.append(CellWrite("Campaigns", campaign, "sent", sent))
        writes.append(CellWrite("Campaigns", campaign, "failed", failed))
        pending = [
            e.key
            for e in due
            if (e.campaign_id or "").strip().upper() == campaign
            and not _settled_now(results.get(e.key))
        ]
        if not pending:
            writes.append(CellWrite("Campaigns", campaign, "status", "Sent"))
    return tuple(writes)


def _settled_now(result: SendResult | None) -> bool:
    """True when this cycle's attempt leaves nothing more to send for the key."""
    if result is None or result.outcome is SendOutcome.WAITING:
        return False
    return not (result.outcome is SendOutcome.FAILED and result.temporary)
