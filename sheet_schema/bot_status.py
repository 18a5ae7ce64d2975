"""The Bot status tab's vocabulary, shared by the bot (which writes it) and the dashboard.

One row per item, keyed by the item's name in the Item column; the Value column holds text (the
bot writes RAW text, so nothing a rule says can run as a formula).
"""

from __future__ import annotations

BOT_STATUS = "Bot status"

LAST_RUN = "Last run"
LAST_SUCCESS = "Last success"
HELD_BACK = "Held back"
SENDING = "Sending"
# Emails of the last days that may have gone out but are not known to have (Mail log Unknown):
# a person checks the mailbox's Sent folder, since the bot never sends them again.
EMAILS_TO_CHECK = "Emails to check"
MAIL_LOG_KEYS = "Mail log keys recorded"
MAIL_LOG_CONFIRMED = "Mail log confirmed"
# Whether the team's lists were read from the Lists tab, or what was wrong with it.
LISTS_READ = "Lists"
# Whether every Settings value could be used, or which were not (and the default used instead).
SETTINGS_READ = "Settings"
# What form intake read this cycle, or why it read nothing (written only while it is on).
FORM_INTAKE = "Form intake"

# The rows in the order the bot first writes them.
ITEMS = (
    LAST_RUN,
    LAST_SUCCESS,
    HELD_BACK,
    SENDING,
    EMAILS_TO_CHECK,
    MAIL_LOG_KEYS,
    MAIL_LOG_CONFIRMED,
    LISTS_READ,
    SETTINGS_READ,
    FORM_INTAKE,
)
