"""The checks across rows, run every cycle over the ready rows of the whole workbook.

References the cycle could not resolve (:mod:`automations.rules.resolving`): an ID that does
not exist, a name or email that names no row, or several (with their IDs); an interaction whose
deal belongs to another customer;
automations and campaigns naming an unknown template, a campaign whose Segment filter cannot be
read (:func:`automations.rules.segment_filter.parse_segment_filter`), two customers with the same
email or phone (compared normalised; both rows name the other).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from automations import messages
from automations.rules.activity import id_key
from automations.rules.references import KNOWN_BY
from automations.rules.resolving import RESOLVED_TABS, typed_references, unresolved_references
from automations.rules.row_checks import Checker, Problem, ReadyRows, RowFacts, RowProblems
from automations.rules.segment_filter import SegmentFilterError, parse_segment_filter
from sheet_schema.cells import CellContext
from sheet_schema.model import Row, Snapshot
from sheet_schema.schema import Schema, Tab, fold

# Text columns that name a template by its key.
_TEMPLATE_REFERENCES = {"Automations": "template", "Campaigns": "template"}
_SHOWN_DUPLICATES = 3


def check_across_rows(
    schema: Schema,
    snapshot: Snapshot,
    ready: ReadyRows,
    found: RowProblems,
    customer_facts: Mapping[str, RowFacts],
    checker: Checker,
) -> None:
    """Add the cross-row problems of the ready rows to ``found`` (every checked tab is a key)."""
    _check_duplicates(
        ready.get("Customers", {}), customer_facts, found.get("Customers", {}), checker
    )
    _check_references(schema, snapshot, ready, found, checker.language)
    _check_template_keys(snapshot, ready, found)
    _check_segment_filters(schema, ready, found, checker.language, snapshot)


def _others(ids: Iterable[str], language: str) -> str:
    listed = sorted(ids)
    shown = listed[:_SHOWN_DUPLICATES]
    if len(listed) > _SHOWN_DUPLICATES:
        shown.append("…")
    return messages.and_list(shown, language)


def _check_duplicates(
    rows: Mapping[str, Row],
    facts: Mapping[str, RowFacts],
    found: dict[str, list[Problem]],
    checker: Checker,
) -> None:
    by_email: dict[str, list[str]] = defaultdict(list)
    by_phone: dict[str, list[str]] = defaultdict(list)
    for row_id, row_facts in facts.items():
        if row_facts.email:
            by_email[row_facts.email].append(row_id)
        if row_facts.phone:
            by_phone[row_facts.phone].append(row_id)
    checks = ((by_email, "email", "duplicate.email"), (by_phone, "phone", "duplicate.phone"))
    for groups, column, code in checks:
        for key, ids in groups.items():
            if len(ids) < 2:
                continue
            for row_id in ids:
                others = _others((i for i in ids if i != row_id), checker.language)
                params = {"value": rows[row_id].text(column).strip(), "others": others}
                if column == "phone":
                    params["e164"] = key
                found.setdefault(row_id, []).append(Problem(column, code, params))


def _check_references(
    schema: Schema, snapshot: Snapshot, ready: ReadyRows, found: RowProblems, language: str
) -> None:
    # What the cycle could not resolve (automations.rules.resolving) is left as typed: say why.
    for left in unresolved_references(schema, snapshot, tabs=set(ready)):
        ref = left.reference
        row_id = ref.row.row_id or ""
        if row_id not in ready[ref.tab]:
            continue
        target = schema.tab(ref.column.references or "")
        params = {"value": ref.typed, "tab": target.name}
        if left.candidates:
            code = "ref.ambiguous"
            params["count"] = str(len(left.candidates))
            params["candidates"] = _others(left.candidates, language)
        elif left.no_id_row is not None:
            code = "ref.no_id"
            params["row"] = str(left.no_id_row)
        elif _looks_like_id(target, ref.typed) or not KNOWN_BY.get(target.name):
            code = "ref.missing"
        else:
            code = "ref.unknown"
            known = [target.column(k).header for k in KNOWN_BY[target.name] if target.has_column(k)]
            params["known"] = messages.or_list(known, language)
        found[ref.tab].setdefault(row_id, []).append(Problem(ref.column.key, code, params))
    # Other team references (Customers' Merge into) must hold an ID; they are not resolved.
    for ref in typed_references(schema, snapshot, tabs=set(ready) - RESOLVED_TABS):
        params = {"value": ref.typed, "tab": ref.column.references or ""}
        problem = Problem(ref.column.key, "ref.missing", params)
        found[ref.tab].setdefault(ref.row.row_id or "", []).append(problem)
    _check_deal_owners(snapshot, ready.get("Interactions", {}), found.get("Interactions", {}))


def _looks_like_id(tab: Tab, text: str) -> bool:
    """True for text shaped like an ID of the tab (C-0099): it is a missing ID, not a name."""
    prefix = re.escape(tab.id_prefix or "")
    return bool(prefix) and re.fullmatch(rf"{prefix}-\d+", text.strip(), re.IGNORECASE) is not None


def _check_deal_owners(
    snapshot: Snapshot, interactions: Mapping[str, Row], found: dict[str, list[Problem]]
) -> None:
    owners = {id_key(r.row_id): id_key(r.values.get("customer_id")) for r in snapshot.tab("Deals")}
    for row_id, row in interactions.items():
        deal = row.raw.get("deal_id", "")
        if not deal:
            continue
        owner = owners.get(id_key(deal))
        customer = id_key(row.values.get("customer_id"))
        if customer and owner and owner != customer:
            problem = Problem(
                "deal_id",
                "ref.mismatch",
                {"value": deal.strip(), "owner": owner, "customer": customer},
            )
            found.setdefault(row_id, []).append(problem)


def _check_template_keys(snapshot: Snapshot, ready: ReadyRows, found: RowProblems) -> None:
    if not snapshot.readable("Templates"):
        return
    keys = {fold(r.text("key")) for r in snapshot.tab("Templates") if r.text("key").strip()}
    for tab_name, column in _TEMPLATE_REFERENCES.items():
        for row_id, row in ready.get(tab_name, {}).items():
            text = row.text(column).strip()
            if text and fold(text) not in keys:
                problem = Problem(column, "template.unknown", {"value": text})
                found[tab_name].setdefault(row_id, []).append(problem)


def _check_segment_filters(
    schema: Schema, ready: ReadyRows, found: RowProblems, language: str, snapshot: Snapshot
) -> None:
    customers = schema.tab("Customers")
    for row_id, row in ready.get("Campaigns", {}).items():
        text = row.text("segment_filter")
        if not text.strip():
            continue
        try:
            parse_segment_filter(text, customers, language, CellContext.of(snapshot.settings))
        except SegmentFilterError as error:
            problem = Problem("segment_filter", error.code, error.params)
            found.setdefault("Campaigns", {}).setdefault(row_id, []).append(problem)
