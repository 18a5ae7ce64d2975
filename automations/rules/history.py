"""Record every stage change of every deal in the "Stage history" tab.

Each cycle compares a deal's stage with the last stage recorded for it (the latest row of Stage
history for that Deal ID, by Time, then by row order) and, when they differ, appends one row:
Time (now, as wall-clock time in Settings ``Time zone``), Deal ID, From, To, By (the deal's
Manager). A deal the bot has never seen gets a row with an empty From. A deal that jumped from
Lead to Won between two cycles gets one row, Lead -> Won: the history records what was seen, it
does not invent the stages in between. A lost deal's last row (e.g. Proposal -> Lost) is the
record of where it was lost.

Deals ``Stage since`` is set to today when the stage changes. A deal seen for the first time has
been in its stage since its own dates say (:func:`first_seen_since`: Stage since if someone filled
it, else Closed for Won and Lost, else Created); its first history row has that date as Time and
says so in Note ("inferred from Closed"), so days in stage are counted from when the deal really
got there, not from the bot's first cycle. An empty Stage since of a deal whose stage did not
change is restored from the history.

Only ready deals (Customer ID and Stage filled) with a readable stage are recorded, so a
half-typed or misspelt stage never enters the history. If the Stage history tab exists but its
header cannot be read, nothing is appended (otherwise every deal would be re-recorded each
cycle); if the tab is missing, the first append creates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from automations import messages
from automations.rules.activity import (
    as_date,
    cell_changed,
    id_key,
    is_ready,
    local_now,
    local_today,
)
from automations.rules.contract import Inputs
from sheet_schema.cells import match_choice
from sheet_schema.lists import OPEN
from sheet_schema.model import Append, CellWrite, Plan, Row, Snapshot
from sheet_schema.schema import Schema

HISTORY = "Stage history"
# What the rule reads (automations.rules.contract). A missing Stage history tab is created by the
# first append; one whose Deal ID or To column is missing would re-record every deal each cycle.
REQUIRES = Inputs({"Deals": ("ID", "Customer ID", "Stage"), HISTORY: ("Time", "Deal ID", "To")})


@dataclass(frozen=True)
class Recorded:
    """The last recorded stage of a deal."""

    stage: str
    when: datetime | None
    row_number: int


def last_recorded(snapshot: Snapshot) -> dict[str, Recorded]:
    """The latest Stage history row per deal (by Time, then row order)."""
    latest: dict[str, Recorded] = {}
    for row in snapshot.tab(HISTORY):
        deal = id_key(row.get("deal_id"))
        if not deal:
            continue
        when = row.get("time")
        # A first row dated from the deal (midnight) reads back as a date.
        moment = datetime.combine(day, time()) if (day := as_date(when)) is not None else None
        candidate = Recorded(row.text("to").strip(), moment, row.number)
        current = latest.get(deal)
        if current is None or _order(candidate) >= _order(current):
            latest[deal] = candidate
    return latest


def _order(recorded: Recorded) -> tuple[datetime, int]:
    return (recorded.when or datetime.min, recorded.row_number)


def _history_unreadable(snapshot: Snapshot) -> bool:
    return not snapshot.readable(HISTORY) and any(i.tab == HISTORY for i in snapshot.tab_issues)


def first_seen_since(row: Row, meaning: str | None, today: date) -> tuple[date, str | None]:
    """Since when a deal seen for the first time is in its stage, and the column that says so.

    Stage since if someone filled it, else Closed for a won or lost stage (``meaning``), else
    Created; today (and
    no column) when none is known. Never later than today: a date typed in the future is the
    validator's to report, not a stage that has not begun.
    """
    closed = meaning not in (OPEN, None)
    for key in ("stage_since", "closed", "created") if closed else ("stage_since", "created"):
        day = as_date(row.get(key))
        if day is not None:
            return min(day, today), key
    return today, None


def stage_history(schema: Schema, snapshot: Snapshot, now: datetime) -> Plan:
    """The stage history rule: one appended row per stage change, and Deals Stage since."""
    if _history_unreadable(snapshot):
        return Plan()
    deals = schema.tab("Deals")
    stage_column = deals.column("stage")
    today = local_today(snapshot, now)
    moment = local_now(snapshot, now)
    language = messages.language_of(snapshot.settings.language)
    recorded = last_recorded(snapshot)
    appends: list[Append] = []
    writes: list[CellWrite] = []
    for row in snapshot.tab(deals.name):
        stage = row.get("stage")
        if row.row_id is None or not isinstance(stage, str) or not is_ready(deals, row):
            continue
        previous = recorded.get(id_key(row.row_id))
        since: date | None = None
        # Exact text first: matching every deal's stage each cycle is most of this rule's time.
        # A stage typed into the history by hand ("ganado") counts as its choice ("Won").
        if previous is None or (
            previous.stage != stage and match_choice(stage_column, previous.stage) != stage
        ):
            when, note = moment, None
            if previous is None:
                # First sight: the deal's own dates say since when it is in its stage.
                since, source = first_seen_since(row, stage_column.meaning(stage), today)
                if source is not None:
                    when = datetime.combine(since, time())
                    header = deals.column(source).header
                    note = messages.render("history.inferred", language, {"column": header})
            else:
                since = today
            appends.append(
                Append(
                    HISTORY,
                    {
                        "time": when,
                        "deal_id": row.row_id,
                        "from": previous.stage if previous else None,
                        "to": stage,
                        "by": row.text("manager").strip() or None,
                        **({"note": note} if note else {}),
                    },
                    refers_to=((deals.name, row.row_id),),
                )
            )
        elif as_date(row.get("stage_since")) is None and previous.when is not None:
            since = previous.when.date()
        if since is not None and cell_changed(row, "stage_since", since):
            writes.append(CellWrite(deals.name, row.row_id, "stage_since", since))
    return Plan(writes=tuple(writes), appends=tuple(appends))
