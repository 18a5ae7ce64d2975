"""Mail: emails per status, the send budget left today, campaign results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from dashboard.metrics.counts import value_counts
from sheet_schema.mail_log import BUDGET_STATUSES

SENT = "Sent"


def mail_status_counts(mail_log: pd.DataFrame, statuses: Sequence[str]) -> pd.DataFrame:
    """Emails per status (``value``, ``customers`` renamed ``emails``)."""
    return value_counts(mail_log["status"], statuses).rename(columns={"customers": "emails"})


def sent_in_last_day(mail_log: pd.DataFrame, now_local: datetime) -> int:
    """Emails that used the send budget in the 24 hours before ``now_local``.

    The bot's own count (:func:`automations.mail.journal.sends_in_last_day`): Sent, Bounced, Unknown
    and Planned rows (a Failed send was refused before it was handed over). Mail log times are
    the workbook's local time; ``now_local`` must be too (naive).
    """
    now = pd.Timestamp(now_local)
    when = mail_log["sent_at"].fillna(mail_log["planned_at"])
    recent = (when > now - pd.Timedelta(hours=24)) & (when <= now)
    return int((mail_log["status"].isin(BUDGET_STATUSES) & recent).sum())


def remaining_quota(mail_log: pd.DataFrame, daily_cap: int, now_local: datetime) -> int:
    """How many more emails may be sent now: the daily cap minus those sent in the last 24 h."""
    return max(0, daily_cap - sent_in_last_day(mail_log, now_local))


def campaign_results(campaigns: pd.DataFrame) -> pd.DataFrame:
    """Campaigns with their status and sent/failed counts, latest send date first."""
    columns = [
        "id",
        "name",
        "segment_filter",
        "template",
        "send_on",
        "approved",
        "status",
        "sent",
        "failed",
    ]
    return campaigns.sort_values("send_on", ascending=False, na_position="last")[columns]
