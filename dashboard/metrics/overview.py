"""The overview's headline numbers for the period, compared with the period just before it.

KPIs count events in the period (created, won, sent), not cohorts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.frames import Frames
from dashboard.metrics.deals import LOST, WON
from dashboard.metrics.mail import SENT
from dashboard.metrics.period import Period
from dashboard.metrics.sources import costs_in_period

KPI_KEYS = (
    "new_leads",
    "new_deals",
    "deals_won",
    "won_revenue",
    "win_rate",
    "marketing_cost",
    "emails_sent",
)


def _kpi_values(frames: Frames, period: Period) -> dict[str, float]:
    deals = frames.deals
    closed_on = deals["closed"].fillna(deals["created"])
    closed = deals[period.mask(closed_on)]
    won = closed[closed["stage"] == WON]
    lost = closed[closed["stage"] == LOST]
    decided = len(won) + len(lost)
    costs = costs_in_period(frames.sources, period)["cost"]
    mail = frames.mail_log
    sent = mail[(mail["status"] == SENT) & period.mask(mail["sent_at"].fillna(mail["planned_at"]))]
    return {
        "new_leads": float(period.mask(frames.customers["created"]).sum()),
        "new_deals": float(period.mask(deals["created"]).sum()),
        "deals_won": float(len(won)),
        "won_revenue": float(won["value"].sum()),
        "win_rate": len(won) / decided if decided else np.nan,
        "marketing_cost": float(costs.sum()) if costs.notna().any() else np.nan,
        "emails_sent": float(len(sent)),
    }


def kpis(frames: Frames, period: Period) -> pd.DataFrame:
    """Headline numbers for the period and the one before it.

    Columns: ``kpi`` (one of :data:`KPI_KEYS`), ``current``, ``previous`` (NaN for all time) and
    ``change`` (relative change; NaN when the previous value is 0 or unknown). Won deals and
    win rate count deals *closed* in the period (Closed date, else Created).
    """
    current = _kpi_values(frames, period)
    before = period.previous()
    previous = _kpi_values(frames, before) if before else dict.fromkeys(KPI_KEYS, np.nan)
    table = pd.DataFrame(
        {
            "kpi": list(KPI_KEYS),
            "current": [current[k] for k in KPI_KEYS],
            "previous": [previous[k] for k in KPI_KEYS],
        }
    )
    table["change"] = ((table["current"] - table["previous"]) / table["previous"]).where(
        table["previous"].abs() > 0
    )
    return table
