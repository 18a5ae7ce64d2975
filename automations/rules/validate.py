"""Check what people typed and write one sentence per problem into the row's Problems column.

Every team tab with a Problems column is checked (Customers, Deals, Interactions, Sources,
Templates, Automations, Campaigns). A row is checked only once its tab's key columns are filled
(``key_columns`` in crm.toml), so a half-typed row is never nagged. Checks:

- cells that cannot be read as their column's type (dates, amounts, choices, yes/no), with a
  suggestion where one exists; a day/month date typed as text that reads both ways (03/04/2024)
  is a warning saying how it was read;
- required columns left empty; negative amounts;
- emails (email-validator, syntax only: no network) and phones (phonenumbers, read with the
  customer's Country, by name in several languages or two-letter code, else Settings
  ``Default country``);
- per tab: a birthday or interaction in the future, a deal closed before it was created, a
  template that does not compile in Jinja2's sandbox;
- across rows: references to IDs that do not exist (and an interaction whose deal belongs to
  another customer), automations and campaigns naming an unknown template, a campaign whose
  Segment filter cannot be read (:func:`automations.rules.segment_filter.parse_segment_filter`), two
  customers with the same email or phone (compared normalised; both rows name the other).

Problems are kept as message codes with parameters; :mod:`automations.messages` turns them into
sentences in the workbook's language. The Problems cell is written only when its text changes,
and cleared (written empty) only when it held text. Per-row checks are remembered by row
fingerprint (:mod:`automations.rules.incremental`); cross-row and clock checks run every cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from automations import messages
from automations.rules.activity import as_date, id_key, is_ready, local_today
from automations.rules.incremental import RowMemo
from automations.rules.segment_filter import SegmentFilterError, parse_segment_filter
from sheet_schema.cells import is_ambiguous_numeric_date
from sheet_schema.model import CellIssue, CellWrite, Plan, Row, Snapshot, row_digest
from sheet_schema.reading import team_keys
from sheet_schema.schema import Column, ColumnType, Schema, Tab, fold

PROBLEMS = "problems"
# Text columns that name a template by its key.
_TEMPLATE_REFERENCES = {"Automations": "template", "Campaigns": "template"}
# Date columns that must not lie in the future (a typo such as 2062 for 2026).
_NOT_IN_FUTURE = {"Customers": "birthday", "Interactions": "date"}
# Country names are also read in these languages, besides the workbook's own.
_COUNTRY_LANGUAGES = ("en", "es", "pt", "el", "fr", "de", "it")
_COUNTRY_ALIASES = {"uk": "GB", "usa": "US", "eeuu": "US", "ee uu": "US", "eua": "US"}
_SHOWN_DUPLICATES = 3
# Column types whose cells get a check of their own (others are fully checked by reading).
_CELL_CHECKED = frozenset(
    {ColumnType.DATE, ColumnType.DATETIME, ColumnType.MONEY, ColumnType.EMAIL, ColumnType.PHONE}
)


@dataclass(frozen=True)
class Problem:
    """One problem of one row: the column it is about, a message code and its facts."""

    column: str
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowFacts:
    """What the single-row checks found; remembered by row fingerprint between cycles."""

    problems: tuple[Problem, ...] = ()
    email: str | None = None  # casefolded normalised address, for duplicate checks
    phone: str | None = None  # E.164, for duplicate checks


class Checker:
    """The per-cycle context of the single-row checks (settings, country names, sandbox)."""

    def __init__(self, snapshot: Snapshot) -> None:
        settings = snapshot.settings
        self.language = messages.language_of(settings.language)
        self.date_order = settings.date_order
        self.default_country = settings.default_country
        self.countries = _country_names(self.language)
        self.country_display = Locale.parse(messages.locale_of(self.language)).territories
        # Built per cycle, never at import; autoescape matches how templates.py renders HTML.
        self.jinja = SandboxedEnvironment(autoescape=True)
        self._columns: dict[str, tuple[Column, ...]] = {}

    def _team_columns(self, tab: Tab) -> tuple[Column, ...]:
        """The team columns whose cells need a check beyond reading (the rest cost nothing)."""
        columns = self._columns.get(tab.name)
        if columns is None:
            columns = self._columns[tab.name] = tuple(
                c
                for c in tab.columns
                if not c.bot_owned and (c.required or c.type in _CELL_CHECKED)
            )
        return columns

    @property
    def signature(self) -> tuple[str, str, str]:
        """The settings that change what a row's checks say; the memo is dropped when they do."""
        return (self.language, self.default_country, self.date_order)

    def check(self, tab: Tab, row: Row) -> RowFacts:
        """Every check that depends on this row alone."""
        problems: list[Problem] = [self._cell_issue(tab.column(i.column), i) for i in row.issues]
        email: str | None = None
        phone: str | None = None
        region = self.default_country
        if tab.has_column("country") and row.text("country").strip():
            found = self.countries.get(fold(row.text("country")))
            if found is None:
                problems.append(
                    Problem(
                        "country",
                        "country.unknown",
                        {"value": row.text("country"), "default": self.default_country},
                    )
                )
            else:
                region = found
        issue_columns = {i.column for i in row.issues} if row.issues else ()
        raw, values = row.raw, row.values
        for column in self._team_columns(tab):
            key = column.key
            text = raw.get(key, "").strip()
            if not text:
                if column.required:
                    problems.append(Problem(key, "required.missing"))
                continue
            if key in issue_columns:
                continue
            kind = column.type
            if kind is ColumnType.DATE or kind is ColumnType.DATETIME:
                # ISO text (what date cells read as) is never ambiguous: skip the regex.
                if not text[:4].isdigit():
                    problems.extend(self._ambiguous(column, text, values.get(key)))
            elif kind is ColumnType.MONEY:
                value = values.get(key)
                if isinstance(value, Decimal) and value < 0:
                    problems.append(Problem(key, "number.negative", {"value": text}))
            elif kind is ColumnType.EMAIL:
                found_problem, email = _check_email(column, text)
                problems.extend(found_problem)
            elif kind is ColumnType.PHONE:
                found_problem, phone = self._check_phone(column, text, region)
                problems.extend(found_problem)
        problems.extend(self._tab_checks(tab, row))
        return RowFacts(tuple(problems), email, phone)

    def _cell_issue(self, column: Column, issue: CellIssue) -> Problem:
        params = dict(issue.params)
        value = issue.raw
        if issue.code == "date.impossible":
            month = int(params.get("month", "0"))
            if 1 <= month <= 12:
                return Problem(
                    column.key,
                    "date.impossible_day",
                    {
                        "value": value,
                        "day": params.get("day", ""),
                        "month": messages.month_name(month, self.language),
                        "year": params.get("year", ""),
                    },
                )
            return Problem(
                column.key, "date.impossible_month", {"value": value, "month": str(month)}
            )
        if issue.code in ("date.invalid", "date.no_year"):
            return Problem(column.key, issue.code, {"value": value, "example": "2024-12-31"})
        if issue.code == "number.invalid" and column.type is ColumnType.MONEY:
            return Problem(
                column.key,
                "money.invalid",
                {"value": value, "example": messages.money_example(self.language)},
            )
        if issue.code == "choice.unknown":
            allowed = messages.or_list(list(column.choices), self.language)
            if params.get("suggestion"):
                return Problem(
                    column.key,
                    "choice.suggest",
                    {"value": value, "allowed": allowed, "suggestion": params["suggestion"]},
                )
            return Problem(column.key, "choice.unknown", {"value": value, "allowed": allowed})
        if issue.code == "boolean.invalid":
            yes, no = messages.yes_no(self.language)
            return Problem(column.key, issue.code, {"value": value, "yes": yes, "no": no})
        if issue.code in ("time.invalid", "number.invalid"):
            return Problem(column.key, issue.code, {"value": value})
        # A code this module does not know yet still yields a sentence naming the cell.
        return Problem(column.key, "cell.unreadable", {"value": value})

    def _ambiguous(self, column: Column, text: str, value: object) -> list[Problem]:
        day = as_date(value)
        if day is None or not is_ambiguous_numeric_date(text):
            return []
        return [
            Problem(
                column.key,
                "date.ambiguous",
                {
                    "value": text,
                    "read_as": messages.long_date(day, self.language),
                    "order": self.date_order,
                    "iso": day.isoformat(),
                },
            )
        ]

    def _check_phone(
        self, column: Column, text: str, region: str
    ) -> tuple[list[Problem], str | None]:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return [Problem(column.key, "phone.unreadable", {"value": text})], None
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return [], e164
        code = number.country_code or 0
        number_region = phonenumbers.region_code_for_country_code(code)
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            code, number_region
        )
        digits = len(phonenumbers.national_significant_number(number))
        general = metadata.general_desc if metadata is not None else None
        lengths = sorted(set(general.possible_length)) if general is not None else []
        if lengths and digits not in lengths:
            return [
                Problem(
                    column.key,
                    "phone.length",
                    {
                        "value": text,
                        "digits": str(digits),
                        "code": str(code),
                        "expected": messages.or_list([str(n) for n in lengths], self.language),
                    },
                )
            ], None
        country = self.country_display.get(number_region, number_region)
        return [Problem(column.key, "phone.invalid", {"value": text, "country": country})], None

    def _tab_checks(self, tab: Tab, row: Row) -> list[Problem]:
        problems: list[Problem] = []
        if tab.name == "Templates":
            for key in ("subject", "body"):
                source = row.text(key)
                if not source.strip():
                    continue
                try:
                    self.jinja.from_string(source)
                except TemplateSyntaxError as error:
                    problems.append(
                        Problem(
                            key,
                            "template.syntax",
                            {"line": str(error.lineno), "error": error.message or str(error)},
                        )
                    )
        if tab.name == "Deals":
            created, closed = as_date(row.get("created")), as_date(row.get("closed"))
            if created is not None and closed is not None and closed < created:
                problems.append(
                    Problem(
                        "closed",
                        "date.before",
                        {
                            "value": closed.isoformat(),
                            "other": tab.column("created").header,
                            "other_value": created.isoformat(),
                        },
                    )
                )
        return problems


def _country_names(language: str) -> dict[str, str]:
    """Folded country name or code -> ISO code, in the workbook's language and a few others."""
    names: dict[str, str] = {}
    for code in phonenumbers.SUPPORTED_REGIONS:
        names[code.lower()] = code
    for lang in (*_COUNTRY_LANGUAGES, language):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(fold(name), code)
    names.update(_COUNTRY_ALIASES)
    return names


def _check_email(column: Column, text: str) -> tuple[list[Problem], str | None]:
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        reason = str(error)
        if text.count("@") != 1:
            code = "email.at"
        elif "after the @-sign" in reason or ("period" in reason and "@" in reason):
            code = "email.domain"
        elif "before the @-sign" in reason:
            code = "email.local"
        else:
            code = "email.invalid"
        return [Problem(column.key, code, {"value": text})], None
    return [], result.normalized.casefold()


# --- the whole workbook -------------------------------------------------------------------------


def checked_tabs(schema: Schema) -> tuple[Tab, ...]:
    """The tabs whose rows get a Problems sentence."""
    return tuple(
        t for t in schema.tabs if not t.append_only and t.has_column(PROBLEMS) and t.id_prefix
    )


RowProblems = dict[str, dict[str, list[Problem]]]
ReadyRows = dict[str, dict[str, Row]]


def find_problems(
    schema: Schema, snapshot: Snapshot, now: datetime, memo: RowMemo[RowFacts] | None = None
) -> RowProblems:
    """Problems per tab and row ID of the ready rows that have any (others are absent)."""
    checker = Checker(snapshot)
    memo = memo if memo is not None else RowMemo()
    memo.start(checker.signature)
    today = local_today(snapshot, now)
    found: RowProblems = {}
    ready: ReadyRows = {}
    facts: dict[str, RowFacts] = {}
    for tab in checked_tabs(schema):
        found[tab.name] = tab_found = {}
        ready[tab.name] = tab_ready = {}
        keys = team_keys(tab)
        future = _NOT_IN_FUTURE.get(tab.name)
        customers = tab.name == "Customers"
        for row in snapshot.tab(tab.name):
            row_id = row.row_id
            if row_id is None or not is_ready(tab, row):
                continue
            tab_ready[row_id] = row
            row_facts = memo.get_or_compute(
                tab.name, row_digest(row.raw, keys), partial(checker.check, tab, row)
            )
            if row_facts.problems:
                tab_found[row_id] = list(row_facts.problems)
            if customers:
                facts[row_id] = row_facts
            if future is not None:
                when = as_date(row.values.get(future))
                if when is not None and when > today:
                    problem = Problem(future, "date.future", {"value": when.isoformat()})
                    tab_found.setdefault(row_id, []).append(problem)
    memo.finish()
    _check_duplicates(ready.get("Customers", {}), facts, found.get("Customers", {}), checker)
    _check_references(schema, snapshot, ready, found)
    _check_template_keys(snapshot, ready, found)
    _check_segment_filters(schema, ready, found, checker.language)
    return found


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


def _known_ids(snapshot: Snapshot, tab: str) -> set[str]:
    return {id_key(r.row_id) for r in snapshot.tab(tab) if r.row_id}


def _check_references(
    schema: Schema, snapshot: Snapshot, ready: ReadyRows, found: RowProblems
) -> None:
    known: dict[str, set[str]] = {}
    for tab in checked_tabs(schema):
        references = [
            c
            for c in tab.columns
            if c.type is ColumnType.REFERENCE
            and not c.bot_owned
            and c.references
            and snapshot.readable(c.references)
        ]
        tab_found = found[tab.name]
        for column in references:
            target = column.references or ""
            if target not in known:
                known[target] = _known_ids(snapshot, target)
            ids, key = known[target], column.key
            for row_id, row in ready[tab.name].items():
                value = row.raw.get(key, "").strip()
                if value and value.upper() not in ids:
                    problem = Problem(key, "ref.missing", {"value": value, "tab": target})
                    tab_found.setdefault(row_id, []).append(problem)
    _check_deal_owners(snapshot, ready.get("Interactions", {}), found.get("Interactions", {}))


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
    schema: Schema, ready: ReadyRows, found: RowProblems, language: str
) -> None:
    customers = schema.tab("Customers")
    for row_id, row in ready.get("Campaigns", {}).items():
        text = row.text("segment_filter")
        if not text.strip():
            continue
        try:
            parse_segment_filter(text, customers, language)
        except SegmentFilterError as error:
            problem = Problem("segment_filter", error.code, error.params)
            found.setdefault("Campaigns", {}).setdefault(row_id, []).append(problem)


# --- sentences and the plan ---------------------------------------------------------------------


def problem_text(tab: Tab, problems: Iterable[Problem], language: str) -> str:
    """The Problems cell for a row: one sentence per problem, in column order, one per line."""
    order = {c.key: i for i, c in enumerate(tab.columns)}
    ranked = sorted(enumerate(problems), key=lambda p: (order.get(p[1].column, 999), p[0]))
    sentences = []
    for _, problem in ranked:
        header = tab.column(problem.column).header if tab.has_column(problem.column) else ""
        sentence = messages.render(problem.code, language, {**problem.params, "column": header})
        if sentence not in sentences:
            sentences.append(sentence)
    return "\n".join(sentences)


def problem_writes(schema: Schema, snapshot: Snapshot, found: RowProblems) -> tuple[CellWrite, ...]:
    """Writes that bring each row's Problems cell to its new text (only where it changes)."""
    language = snapshot.settings.language
    writes: list[CellWrite] = []
    for tab in checked_tabs(schema):
        problems = found.get(tab.name, {})
        for row in snapshot.tab(tab.name):
            if row.row_id is None:
                continue
            row_problems = problems.get(row.row_id)
            text = problem_text(tab, row_problems, language) if row_problems else ""
            if text != row.text(PROBLEMS).strip():
                writes.append(CellWrite(tab.name, row.row_id, PROBLEMS, text))
    return tuple(writes)


def validate(
    schema: Schema, snapshot: Snapshot, now: datetime, memo: RowMemo[RowFacts] | None = None
) -> Plan:
    """The validation rule: Problems sentences for every checked row that changed."""
    found = find_problems(schema, snapshot, now, memo)
    return Plan(writes=problem_writes(schema, snapshot, found))
