"""The README documents every setting, every `sheetcrm` command and every template variable.

Each list comes from the code, never from a copy: the settings from the schema's defaults and the
keys the code looks up, the commands from the real argument parser, the template variables from
the context templates are really rendered with during a planning of emails.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from automations.cli import build_parser
from automations.cycle_plan import build_plan
from automations.mail.templates import TemplateBook
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.default_settings import DEFAULT_SETTINGS
from sheet_schema.schema import load_schema
from tests.settings_lookups import looked_up_keys

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCHEMA = load_schema()
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def test_every_setting_is_in_the_readme() -> None:
    keys, prefixes = looked_up_keys()
    wanted = {s.key for s in DEFAULT_SETTINGS} | keys | prefixes
    missing = sorted(key for key in wanted if key not in README)
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_command_is_in_the_readme() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"init", "run", "dashboard"} <= set(commands.choices)  # the parser was read
    missing = sorted(name for name in commands.choices if f"sheetcrm {name}" not in README)
    assert not missing, f"commands missing from README.md: {missing}"


def _variables(context: Mapping[str, object], prefix: str = "") -> Iterator[str]:
    """Dotted names of every leaf variable of a template context (customer.first_name...)."""
    for name, value in context.items():
        if isinstance(value, Mapping):
            yield from _variables(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


@pytest.fixture(scope="module")
def template_variables(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The variables templates are rendered with when the bot plans a welcome email and a deal's
    follow-up (the email that also sees the deal), in a workbook typed as a person would."""
    path = tmp_path_factory.mktemp("readme") / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=[("Sender email", "shop@example.com")])
    body = "Hello {{ customer.first_name }}"
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": [
                {
                    "id": "C-0001",
                    "name": "Ana Pérez",
                    "email": "ana@example.com",
                    "company": "Pérez S.L.",
                    "created": TODAY,
                    "marketing_consent": "yes",
                }
            ],
            "Deals": [
                {
                    "id": "D-0001",
                    "customer_id": "C-0001",
                    "title": "New shop",
                    "stage": "Proposal",
                    "value": "1200",
                    "created": TODAY - timedelta(days=5),
                    "stage_since": TODAY - timedelta(days=4),
                }
            ],
            "Templates": [
                {"key": "welcome", "language": "en", "subject": "Welcome", "body": body},
                {"key": "nudge", "language": "en", "subject": "{{ deal.title }}", "body": body},
            ],
            "Automations": [
                {"kind": "welcome", "template": "welcome", "offset_days": 0, "enabled": "yes"},
                {"kind": "follow-up", "template": "nudge", "offset_days": 3, "enabled": "yes"},
            ],
        },
    )
    snapshot = XlsxBackend(path, SCHEMA).read()
    seen: set[str] = set()
    render = TemplateBook.render

    def recording(
        book: TemplateBook, key: str, language: str | None, context: Mapping[str, object]
    ) -> object:
        seen.update(_variables(context))
        return render(book, key, language, context)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TemplateBook, "render", recording)
        plan = build_plan(SCHEMA, snapshot, NOW)
    kinds = {email.kind for email in plan.emails}
    assert kinds == {"welcome", "follow-up"}, kinds  # both emails were really planned
    return seen


def test_every_template_variable_is_in_the_readme(template_variables: set[str]) -> None:
    assert {"customer.first_name", "deal.title"} <= template_variables
    missing = sorted(v for v in template_variables if f"`{{{{ {v} }}}}`" not in README)
    assert not missing, f"template variables missing from README.md: {missing}"


def test_the_readme_sections_come_in_a_newcomers_order() -> None:
    headings = re.findall(r"^## (.+)$", README, flags=re.MULTILINE)
    order = ["Quick start", "Your own workbook", "Google Sheets", "Configuration", "Production"]
    found = [next(i for i, h in enumerate(headings) if h.startswith(name)) for name in order]
    assert found == sorted(found), headings
    for document in ("ARCHITECTURE.md", "docs/PERFORMANCE.md", "docs/GOOGLE_SHEETS_INTERNALS.md"):
        assert f"]({document})" in README, document
        assert (ROOT / document).is_file(), document


def test_every_test_architecture_md_names_exists() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"(tests/\w+\.py)::(\w+)", text))
    assert len(named) >= 10  # the invariants section was read
    missing = [
        f"{path}::{name}"
        for path, name in sorted(named)
        if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)
    ]
    assert not missing, f"ARCHITECTURE.md names tests that do not exist: {missing}"
    modules = set(re.findall(r"`((?:sheet_schema|automations|dashboard)/[\w/]+\.py)", text))
    assert not [m for m in modules if not (ROOT / m).is_file()], modules
