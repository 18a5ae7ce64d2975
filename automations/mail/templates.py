"""Emails from the Templates tab: pick a row by key and language, render it in Jinja2's sandbox.

Templates are typed by people, and the values put into them come from customers, so both are
untrusted: rendering happens in an immutable sandbox (no attribute starting with ``_``, no
changing the variables), a missing variable is an error rather than an empty gap
(``StrictUndefined``), the subject is forced onto one line (no header injection) and the HTML body
escapes everything, the template's own text included (a template is plain text, not HTML).

Every failure is a :class:`TemplateError` whose text names the Templates row and column, so the
caller can report it and carry on with the cycle.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jinja2 import StrictUndefined, Template, TemplateSyntaxError
from jinja2.exceptions import SecurityError

from automations.rules.template_budget import (
    SECONDS_PER_EMAIL,
    BudgetedEnvironment,
    BudgetExceeded,
    message_params,
)
from sheet_schema.model import Row, Snapshot
from sheet_schema.settings import Settings

TAB = "Templates"
FALLBACK_LANGUAGE = "en"
# Column key -> the header named in messages.
_COLUMNS = {"subject": "Subject", "body": "Body"}
# A blank line (possibly holding spaces) separates paragraphs of the HTML body.
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


@dataclass(frozen=True)
class RenderedEmail:
    """A rendered template, ready to become an email."""

    subject: str  # one line: CR/LF and other control characters removed, whitespace collapsed
    text: str  # plain-text body
    html: str  # HTML body: the text with every substituted value HTML-escaped, paragraphs


class TemplateError(Exception):
    """A template that cannot be rendered; str() is a sentence naming the Templates row and column.

    For example "Templates row 7 (birthday, es), Body: 'customer.nickname' is undefined".
    ``row`` (sheet row number) and ``column`` ("Subject" or "Body") are None when the error is
    not about one cell (an unknown key). ``code`` and ``params`` say it again as a message of
    :mod:`automations.messages` (``template.render_failed`` with the detail, or a budget code),
    for the row's Problems cell in the workbook's language.
    """

    def __init__(
        self,
        message: str,
        row: int | None = None,
        column: str | None = None,
        code: str = "template.render_failed",
        params: Mapping[str, object] | None = None,
        detail: str = "",
        language: str | None = None,
    ) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.code = code
        self.params: Mapping[str, object] = params or {}
        # What is wrong, without the row and column ("'customer.nick' is undefined").
        self.detail = detail or message
        # The failing row's Language: the key's rows in other languages may well work.
        self.language = language

    def again(self) -> TemplateError:
        """A fresh copy: re-raising a cached exception would pile up tracebacks."""
        return TemplateError(
            str(self), self.row, self.column, self.code, self.params, self.detail, self.language
        )


@dataclass(frozen=True)
class _Entry:
    """One usable row of the Templates tab."""

    number: int
    key: str  # as typed, without surrounding spaces
    language: str | None  # None when the cell is empty or not one of the languages
    subject: str
    body: str

    def error(
        self, column: str, detail: str, code: str = "", params: Mapping[str, object] | None = None
    ) -> TemplateError:
        """An error about one cell of this row (``code``: see :class:`TemplateError`)."""
        header = _COLUMNS[column]
        where = f"{TAB} row {self.number} ({self.key}, {self.language or 'no language'})"
        return TemplateError(
            f"{where}, {header}: {detail}",
            row=self.number,
            column=header,
            code=code or "template.render_failed",
            params=params if code else {"error": detail},
            detail=detail,
            language=self.language,
        )


class _Namespace(dict[str, object]):
    """A mapping of template variables that knows its own name ("customer", "deal.owner"...).

    Only so that a missing attribute is reported as 'customer.nickname' rather than as
    "'dict object' has no attribute 'nickname'". The name is held in an underscored slot, which
    the sandbox hides from templates.
    """

    __slots__ = ("_path",)

    def __init__(self, path: str, values: Mapping[str, object]) -> None:
        super().__init__((name, _named(f"{path}.{name}", v)) for name, v in values.items())
        self._path = path


def _named(path: str, value: object) -> object:
    return _Namespace(path, value) if isinstance(value, Mapping) else value


class _NamedUndefined(StrictUndefined):
    """StrictUndefined whose message names the variable by its full dotted path."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        owner, name = self._undefined_obj, self._undefined_name
        if isinstance(owner, _Namespace) and isinstance(name, str):
            path = f"{owner._path}.{name}"
            if self._undefined_exception is SecurityError:
                return f"'{path}' is not allowed in a template"
            return f"'{path}' is undefined"
        return str(super()._undefined_message)


class TemplateBook:
    """The Templates tab of one snapshot, compiled lazily (each template once per book)."""

    def __init__(self, entries: Iterable[_Entry], default_language: str) -> None:
        """Use :meth:`from_snapshot`; ``entries`` in sheet order."""
        self._by_key: dict[str, list[_Entry]] = {}
        for entry in entries:
            self._by_key.setdefault(_fold_key(entry.key), []).append(entry)
        self._default_language = _fold_language(default_language)
        # Built per book, never at import. Autoescape stays off: the text body is plain text and
        # the HTML body escapes the whole rendered text (values and the template's own words).
        # The sandbox is also budgeted (template_budget): a hostile template fails alone, fast.
        self._jinja = BudgetedEnvironment(undefined=_NamedUndefined, autoescape=False)
        self._compiled: dict[tuple[int, str], Template | TemplateError] = {}

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> TemplateBook:
        """The templates of a snapshot; rows with an empty Key are ignored."""
        entries = []
        for row in snapshot.tab(TAB):
            key = row.text("key").strip()
            if not key:
                continue
            language = row.get("language")
            entries.append(
                _Entry(
                    number=row.number,
                    key=key,
                    # An unreadable language cell reads as None: such a row is a last resort.
                    language=language if isinstance(language, str) else None,
                    subject=row.text("subject"),
                    body=row.text("body"),
                )
            )
        return cls(entries, snapshot.settings.language)

    def has(self, key: str) -> bool:
        """True when some row has this key (in any language, or none)."""
        return _fold_key(key) in self._by_key

    def languages(self, key: str) -> tuple[str, ...]:
        """The languages this key exists in, in sheet order, each once."""
        found = (e.language for e in self._by_key.get(_fold_key(key), ()) if e.language)
        return tuple(dict.fromkeys(found))

    def compile_error(self, key: str) -> TemplateError | None:
        """The first row with this key (in sheet order) whose Subject or Body does not compile;
        None when every one does. A row that compiles may still fail for some customer."""
        for entry in self._by_key.get(_fold_key(key), ()):
            for column in ("subject", "body"):
                try:
                    self._template(entry, column)
                except TemplateError as error:
                    return error
        return None

    def render(
        self, key: str, language: str | None, context: Mapping[str, object]
    ) -> RenderedEmail:
        """Pick the template row for `key` in `language`, else the workbook's language
        (snapshot.settings.language), else English, else any; render subject and body in a
        jinja2 SandboxedEnvironment with StrictUndefined. Raises TemplateError."""
        entry = self._choose(key, language)
        variables = {name: _named(name, value) for name, value in context.items()}
        deadline = time.monotonic() + SECONDS_PER_EMAIL
        subject = _one_line(self._render(entry, "subject", variables, deadline))
        body = self._render(entry, "body", variables, deadline)
        text = body.replace("\r\n", "\n").replace("\r", "\n")
        # An email with no subject or no words is a mistake in the sheet, not something to send.
        if not subject:
            raise entry.error("subject", "the subject is empty once rendered")
        if not text.strip():
            raise entry.error("body", "the body is empty once rendered")
        return RenderedEmail(subject=subject, text=text, html=_html(text, entry.language))

    def _choose(self, key: str, language: str | None) -> _Entry:
        entries = self._by_key.get(_fold_key(key))
        if not entries:
            raise TemplateError(f"No row of the {TAB} tab has the key '{key.strip()}'")
        for wanted in (_fold_language(language), self._default_language, FALLBACK_LANGUAGE):
            for entry in entries:
                # The first (top) row wins when two rows share a key and language.
                if wanted and entry.language == wanted:
                    return entry
        return entries[0]

    def _template(self, entry: _Entry, column: str) -> Template:
        compiled = self._compiled.get((entry.number, column))
        if compiled is None:
            source = entry.subject if column == "subject" else entry.body
            try:
                compiled = self._jinja.from_string(source)
            except BudgetExceeded as error:  # a constant part over budget, found compiling
                compiled = entry.error(column, _budget_detail(error), error.code, error.params)
            except TemplateSyntaxError as error:
                # The validator's own words for it, so the Templates row says it once.
                said = {"line": str(error.lineno), "error": error.message or str(error)}
                detail = f"line {said['line']}: {said['error']}"
                compiled = entry.error(column, detail, "template.syntax", said)
            # Beyond syntax, a pathological text (say, thousands of nested brackets) can exhaust
            # the parser; that too is the row's problem.
            except Exception as error:
                compiled = entry.error(column, str(error) or type(error).__name__)
            self._compiled[(entry.number, column)] = compiled
        if isinstance(compiled, TemplateError):
            raise compiled.again()
        return compiled

    def _render(
        self, entry: _Entry, column: str, variables: Mapping[str, object], deadline: float
    ) -> str:
        template = self._template(entry, column)
        try:
            return self._jinja.render_within(template.generate(variables), deadline)
        except BudgetExceeded as error:
            # Over budget once is over budget for every customer (the sizes and loops are the
            # template's): the row fails fast for the rest of the cycle.
            failed = entry.error(column, _budget_detail(error), error.code, error.params)
            self._compiled[(entry.number, column)] = failed
            raise failed.again() from None
        # A person's template can fail in any way (undefined names, sandbox refusals, a filter
        # given text, a division by zero, memory): each is that row's problem, never the cycle's.
        except Exception as error:
            detail = getattr(error, "message", None) or str(error) or type(error).__name__
            raise entry.error(column, str(detail)) from error


def email_context(
    customer: Row,
    settings: Settings,
    deal: Row | None = None,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The variables a template sees: customer (name, first_name, company, email, city,
    country, language, id), sender (name, email), deal (title, stage, value, id) when given,
    today is NOT included (pass it in extra when needed). Missing cells are "" (so `{% if
    customer.company %}` works), never None.

    Values are plain text: dates in ISO form, money with two decimals. ``extra`` is added as
    given (it may replace the variables above).
    """
    name = _plain(customer.get("name"))
    words = name.split()
    context: dict[str, object] = {
        "customer": {
            "id": customer.row_id or "",
            "name": name,
            "first_name": words[0] if words else "",
            **{k: _plain(customer.get(k)) for k in ("company", "email", "city", "country")},
            "language": _plain(customer.get("language")),
        },
        "sender": {"name": settings.sender_name, "email": settings.sender_email},
    }
    if deal is not None:
        context["deal"] = {
            "id": deal.row_id or "",
            **{k: _plain(deal.get(k)) for k in ("title", "stage", "value")},
        }
    if extra:
        context.update(extra)
    return context


def _budget_detail(error: BudgetExceeded) -> str:
    """The English detail of a budget error, for the console and the logs."""
    limits = {
        "template.too_long": "the text would be longer than {limit} characters",
        "template.too_slow": "rendering one email took longer than {seconds} s",
        "template.too_big_value": "it builds a text or list of more than {limit} items",
        "template.too_big_number": "it computes a number too large to write",
        "template.too_big_range": "range() is limited to {limit} items",
    }
    # Limits written as in the Problems sentences (100,000), the workbook's language aside.
    shown = message_params(error.params, FALLBACK_LANGUAGE)
    return limits.get(error.code, error.code).format_map(shown)


def _one_line(text: str) -> str:
    """Text fit for a mail header: control characters (CR, LF, tab, NUL...) become spaces and
    runs of whitespace (Unicode line separators included) become one space."""
    visible = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(visible.split())


def _html(text: str, language: str | None) -> str:
    """The plain text as an HTML document: blank lines make paragraphs, line breaks <br>."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    lang = f' lang="{html.escape(language)}"' if language else ""
    return (
        f'<!DOCTYPE html>\n<html{lang}>\n<head><meta charset="utf-8"></head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _plain(value: object) -> str:
    """A typed cell as template text ("" when empty or unreadable)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _fold_key(key: str) -> str:
    return key.strip().casefold()


def _fold_language(language: str | None) -> str:
    return (language or "").strip().casefold()
