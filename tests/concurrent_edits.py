"""People editing a Google spreadsheet at a chosen moment of the bot's cycle, and what was lost.

Shared by the CI test (tests/test_concurrent_edits.py, small sheets) and the benchmark
(benchmarks/concurrent_edits.py, 1k and 10k customers). A scenario builds a Customers tab with
named customers (some without an ID, as typed), runs one cycle whose rules fill two bot columns
from each customer's name, and makes a person edit the sheet just before the request of the
chosen kind: ``values.batchGetByDataFilter`` (between the read and the re-read) or
``values.batchUpdateByDataFilter`` (between the re-read and the write). :func:`damage` then
counts, from the final sheet and the customers as they were typed, what the edit cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sheet_schema.model import ApplyReport, CellWrite, Plan, Snapshot
from sheet_schema.schema import Schema
from tests.sheets_emulator import EmulatorServer

MOMENTS = {
    "before_reread": "values.batchGetByDataFilter",
    "before_write": "values.batchUpdateByDataFilter",
}
TEAM_KEYS = ("name", "email", "notes", "source")


def customers(schema: Schema, count: int, without_id_every: int = 7) -> list[list[Any]]:
    """Customers rows as people typed them: every ``without_id_every``-th has no ID yet."""
    keys = [c.key for c in schema.tab("Customers").columns]
    rows = []
    for n in range(1, count + 1):
        row: list[Any] = [""] * len(keys)
        row[keys.index("id")] = "" if n % without_id_every == 0 else f"C-{n:05d}"
        row[keys.index("name")] = f"Customer {n:05d}"
        row[keys.index("email")] = f"customer{n}@example.com"
        row[keys.index("notes")] = f"note about {n}"
        row[keys.index("source")] = "Website"
        rows.append(row)
    return rows


def name_rules(schema: Schema, snapshot: Snapshot, now: datetime) -> Plan:
    """Two bot columns computed from the name: Problems (right of Notes) and Reminder."""
    del schema, now
    writes: list[CellWrite] = []
    for row in snapshot.tab("Customers"):
        if row.row_id:
            name = row.text("name")
            writes.append(CellWrite("Customers", row.row_id, "problems", f"problem of {name}"))
            writes.append(CellWrite("Customers", row.row_id, "reminder", f"call {name}"))
    return Plan(writes=tuple(writes))


def _sheet_id(emu: EmulatorServer, sid: str, title: str) -> int:
    with emu.store.read(sid) as spreadsheet:
        sheet = spreadsheet.sheet_by_title(title)
        assert sheet is not None
        return sheet.sheet_id


def edits(schema: Schema, emu: EmulatorServer) -> dict[str, Callable[[str], None]]:
    """The person's edits, by name; each takes the spreadsheet id."""
    keys = [c.key for c in schema.tab("Customers").columns]
    typed = [""] * len(keys)
    typed[keys.index("name")] = "Zz typed meanwhile"
    typed[keys.index("notes")] = "typed meanwhile"

    def insert_rows(sid: str) -> None:
        emu.edits.insert_rows(sid, "Customers", 1, 3, rows=[typed, [], []])

    def delete_row(sid: str) -> None:
        emu.edits.delete_rows(sid, "Customers", 2)

    def sort_desc(sid: str) -> None:
        emu.edits.sort_rows(sid, "Customers", keys.index("name"), ascending=False)

    def insert_column(sid: str) -> None:
        emu.edits.insert_columns(sid, "Customers", 1)

    return {
        "insert_rows": insert_rows,
        "delete_row": delete_row,
        "sort": sort_desc,
        "insert_column": insert_column,
    }


@dataclass(frozen=True)
class Damage:
    """What one cycle under a person's edit left wrong (every count must be 0)."""

    team_cells_overwritten: int
    ids_on_wrong_row: int
    ids_lost: int
    duplicate_ids: int
    bot_values_wrong: int
    customers_without_id: int
    cells_corrected: int

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return asdict(self)


def damage(
    schema: Schema,
    emu: EmulatorServer,
    sid: str,
    typed: list[list[Any]],
    deleted: set[str],
    report: ApplyReport,
    new_ids: dict[str, str],
) -> Damage:
    """Compare the final Customers tab with what people typed (found by name) and with the IDs
    a cycle without edits gives (``new_ids``: name -> ID)."""
    keys = [c.key for c in schema.tab("Customers").columns]
    grid = emu.edits.grid_values(sid, "Customers")
    at = {key: grid[0].index(schema.tab("Customers").column(key).header) for key in keys}

    def cell(line: list[Any], key: str) -> str:
        i = at[key]
        return str(line[i]) if i < len(line) else ""

    rows = {cell(line, "name"): line for line in grid[1:] if cell(line, "name")}
    team = ids_wrong = lost = bot_wrong = missing = 0
    for original in typed:
        name = original[keys.index("name")]
        if name in deleted:
            continue
        line = rows[name]
        team += sum(1 for k in TEAM_KEYS if cell(line, k) != str(original[keys.index(k)]))
        had = original[keys.index("id")]
        now = cell(line, "id")
        if now != (had or new_ids.get(name, now)):
            ids_wrong += 1
        if not now:
            missing += 1
        if now and (
            cell(line, "problems") != f"problem of {name}"
            or cell(line, "reminder") != f"call {name}"
        ):
            bot_wrong += 1
    typed_ids = {r[keys.index("id")] for r in typed if r[keys.index("id")]}
    final_ids = Counter(cell(line, "id") for line in rows.values() if cell(line, "id"))
    lost = len(typed_ids - set(final_ids) - {i for n, i in _names_ids(typed, keys) if n in deleted})
    dupes = sum(n - 1 for n in final_ids.values() if n > 1)
    return Damage(team, ids_wrong, lost, dupes, bot_wrong, missing, report.cells_corrected)


def _names_ids(typed: list[list[Any]], keys: list[str]) -> list[tuple[str, str]]:
    return [(r[keys.index("name")], r[keys.index("id")]) for r in typed]


def ids_by_name(schema: Schema, emu: EmulatorServer, sid: str) -> dict[str, str]:
    """Every customer's ID in the Customers tab, by name."""
    grid = emu.edits.grid_values(sid, "Customers")
    name_at = grid[0].index(schema.tab("Customers").column("name").header)
    id_at = grid[0].index(schema.tab("Customers").column("id").header)
    return {
        str(line[name_at]): str(line[id_at]) if id_at < len(line) else ""
        for line in grid[1:]
        if name_at < len(line)
    }
