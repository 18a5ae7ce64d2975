"""Whether the Mail log can be trusted as the journal of what was sent (DESIGN invariant 4).

The Mail log is what stops a second send: a key it holds is never sent again. A person can delete
the tab or some of its rows by accident, and the next cycle would then send those emails again.
So the bot records how many keys the Mail log held after each cycle, in the Bot status tab and
(for an .xlsx workbook) in a small file beside it, which survives the tab being deleted. Sending
stops, with a sentence saying why, when

- the Mail log tab is missing, or
- it holds fewer keys than the bot recorded,

until a person confirms the Mail log as it is with ``sheetcrm confirm-mail-log``
(:func:`automations.status.confirm_mail_log`), which records the current count (and, when the tab
is missing, lets the next cycle start a new one). Everything else the bot does goes on.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from automations import messages
from automations.mail.journal import log_entries
from sheet_schema.bot_status import BOT_STATUS, MAIL_LOG_CONFIRMED, MAIL_LOG_KEYS
from sheet_schema.mail_log import MAIL_LOG
from sheet_schema.model import Snapshot

_COPY_FIELD = "mail_log_keys"


@dataclass(frozen=True)
class JournalState:
    """What the Mail log holds now and what the bot recorded before."""

    present: bool  # the tab exists (readable or not)
    keys: int  # distinct keys it holds now
    recorded: int | None  # the most the bot recorded (None: never recorded)
    confirmed: bool  # a person ran `sheetcrm confirm-mail-log` since the tab went missing

    def stop_reason(self, language: str) -> str:
        """Why sending must stop, in the workbook's language ("" when it may go on)."""
        if not self.present and not self.confirmed:
            return messages.render("journal.missing", language, {})
        if self.present and self.recorded is not None and self.keys < self.recorded:
            return messages.render(
                "journal.shrunk", language, {"count": self.keys, "recorded": self.recorded}
            )
        return ""

    def recorded_after(self, keys_after: int) -> int:
        """The count to record once the cycle's journal rows are written: never lowered here
        (only a person's confirmation lowers it)."""
        return max(self.recorded or 0, keys_after)


def status_value(snapshot: Snapshot, item: str) -> str:
    """The Value cell of a Bot status item ("" when the row or the tab is missing)."""
    row = snapshot.by_id(BOT_STATUS).get(item)
    return row.text("value").strip() if row is not None else ""


def _whole_number(text: str) -> int | None:
    try:
        return int(float(text.replace(",", "").strip())) if text.strip() else None
    except ValueError:
        return None


def journal_state(snapshot: Snapshot, copy: int | None = None) -> JournalState:
    """The Mail log as this snapshot sees it, against the counts recorded in the Bot status tab
    and in ``copy`` (the count kept beside the workbook, when there is one)."""
    present = snapshot.readable(MAIL_LOG) or any(i.tab == MAIL_LOG for i in snapshot.tab_issues)
    known = [
        n for n in (_whole_number(status_value(snapshot, MAIL_LOG_KEYS)), copy) if n is not None
    ]
    return JournalState(
        present=present,
        keys=len(log_entries(snapshot)),
        recorded=max(known) if known else None,
        confirmed=bool(status_value(snapshot, MAIL_LOG_CONFIRMED)),
    )


def copy_path(workbook: Path) -> Path:
    """Where the count is kept beside an .xlsx workbook: a hidden file in the same folder."""
    return workbook.with_name(f".{workbook.name}.sheetcrm-mail-log.json")


def read_copy(path: Path | None) -> int | None:
    """The count kept in ``path`` (None when there is no file or it cannot be read)."""
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get(_COPY_FIELD)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and value >= 0 else None


def write_copy(path: Path | None, keys: int) -> None:
    """Keep the count in ``path``, replaced atomically (nothing when ``path`` is None)."""
    if path is None:
        return
    handle, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({_COPY_FIELD: keys}, file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
