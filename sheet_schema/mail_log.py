"""The Mail log tab's vocabulary, shared by the bot (which writes it) and the dashboard."""

from __future__ import annotations

MAIL_LOG = "Mail log"

# Statuses whose rows used up the day's sending budget: the message reached the mail server, or
# may have (a Failed send was refused before it was handed over).
BUDGET_STATUSES = frozenset({"Sent", "Bounced", "Unknown", "Planned"})
