"""What to make of the ``Planned`` rows a stopped cycle left in the Mail log.

A cycle that stops (killed, power cut, a crash) between its journal write and its outcome write
leaves its emails ``Planned``. The next cycle reads the hand-over record
(:mod:`automations.mail.handover_log`) and settles each such row by the last record of the same
attempt (same key, same Attempts value):

- the mailer answered (``done``): the recorded outcome is written, as if the cycle had finished;
- the message was being handed over (``handing``, no answer): it may have gone out, so it
  becomes ``Unknown`` for a person to check, and is never sent again. At most the messages in
  flight at the stop end here: one per stopped cycle;
- only journaled (``planned``): it was never handed over, so it becomes ``Waiting`` (its attempt
  given back) and the same cycle sends it, if it is still due;
- no record at all (no hand-over record given, the file was lost, another computer ran that
  cycle): nothing vouches that it was not sent, so it becomes ``Unknown``, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from automations.mail.handover_log import Attempt, Handover, Stage
from automations.mail.journal import PLANNED, LogEntry, outcome_writes, recorded_entry
from automations.mail.mailer import SendOutcome, SendResult
from sheet_schema.model import CellWrite

INTERRUPTED = (
    "The bot stopped between sending and recording this email: it may have gone out. "
    "Check the Sent folder of the mailbox; SheetCRM will not send it again."
)
IN_FLIGHT = (
    "The bot stopped while handing this email to the mail server: it may have gone out. "
    "Check the Sent folder of the mailbox; SheetCRM will not send it again."
)
NEVER_HANDED = "the bot stopped before handing it to the mail server"


@dataclass(frozen=True)
class Recovery:
    """How the Planned rows are settled: the cells to write and the log as it will read."""

    entries: Mapping[str, LogEntry] = field(default_factory=dict)
    writes: Mapping[str, tuple[CellWrite, ...]] = field(default_factory=dict)  # by key
    unknown: int = 0  # may have gone out: flagged for a person
    resent: int = 0  # never handed over: back to Waiting, sent again
    recorded: int = 0  # outcome taken from the hand-over record


def recover(
    entries: Mapping[str, LogEntry],
    handovers: Mapping[Attempt, Handover] | None,
    local_now: datetime,
) -> Recovery:
    """Settle every Planned row of ``entries`` (see the module doc).

    ``handovers`` is None when no hand-over record is kept: every Planned row becomes Unknown.
    """
    settled = dict(entries)
    writes: dict[str, tuple[CellWrite, ...]] = {}
    counts = {"unknown": 0, "resent": 0, "recorded": 0}
    for key, entry in entries.items():
        if entry.status != PLANNED:
            continue
        handover = (handovers or {}).get((key, entry.attempts))
        if handover is None or handover.stage is Stage.HANDING:
            note = INTERRUPTED if handover is None else IN_FLIGHT
            # When it may have gone out is not known: Sent at stays empty.
            result, at, count = SendResult(SendOutcome.UNKNOWN, note), None, "unknown"
        elif handover.stage is Stage.PLANNED:
            result, at, count = SendResult(SendOutcome.WAITING, NEVER_HANDED), local_now, "resent"
        else:
            assert handover.result is not None  # a done record always has one
            result, at, count = handover.result, handover.at or local_now, "recorded"
        writes[key] = outcome_writes(key, result, at, max(0, entry.attempts - 1))
        settled[key] = recorded_entry(entry, result, at)
        counts[count] += 1
    return Recovery(entries=settled, writes=writes, **counts)
