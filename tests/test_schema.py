"""The workbook contract: loading crm.toml and the errors a broken schema gives."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from sheet_schema.schema import ColumnType, Owner, SchemaError, load_schema, parse_schema

DESIGN_TABS = [
    "Customers",
    "Deals",
    "Interactions",
    "Sources",
    "Templates",
    "Automations",
    "Campaigns",
    "Mail log",
    "Stage history",
    "Settings",
    "Lists",  # the team's lists: sources, stages and their meaning, ... (issue 10)
    "Bot status",  # what the bot's last cycle did and held back (issue 9)
    "Merges",  # one row per merge of two customers (issue 11)
]


def test_packaged_schema_declares_every_tab_of_the_design() -> None:
    schema = load_schema()
    assert [t.name for t in schema.tabs] == DESIGN_TABS


def test_bot_owned_columns_match_the_design() -> None:
    schema = load_schema()
    customers = {c.header for c in schema.tab("Customers").bot_columns}
    assert customers >= {
        "ID",
        "Problems",
        "Lifecycle",
        "Segment",
        "Last contact",
        "Next action date",
        "Reminder",
    }
    deals = {c.header for c in schema.tab("Deals").bot_columns}
    assert deals == {"ID", "Problems", "Stage since", "Follow-up due", "Typed references"}
    assert {c.header for c in schema.tab("Campaigns").bot_columns} >= {"Status", "Sent", "Failed"}
    # Logs are the bot's alone; people never type there.
    for name in ("Mail log", "Stage history"):
        assert all(c.owner is Owner.BOT for c in schema.tab(name).columns)
        assert schema.tab(name).append_only


def test_every_column_type_is_used_and_objects_are_frozen() -> None:
    schema = load_schema()
    used = {c.type for t in schema.tabs for c in t.columns}
    assert used == set(ColumnType)
    column = schema.tab("Deals").column("stage")
    assert column.choices[0] == "Lead"
    with pytest.raises(AttributeError):
        column.header = "Status"  # type: ignore[misc]


def test_tabs_and_choices_are_found_by_alias_in_any_case() -> None:
    schema = load_schema()
    tab = schema.find_tab("  CLIENTES ")
    assert tab is not None and tab.name == "Customers"
    assert schema.find_tab("Πελάτες") is not None
    assert schema.find_tab("Unrelated notes") is None


def _document() -> dict[str, Any]:
    text = (Path(__file__).parents[1] / "sheet_schema" / "crm.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _column(document: dict[str, Any], tab: str, header: str) -> dict[str, Any]:
    for raw_tab in document["tab"]:
        if raw_tab["name"] == tab:
            for raw_column in raw_tab["column"]:
                if raw_column["header"] == header:
                    return dict(raw_column)
    raise AssertionError(f"{tab}/{header} not in crm.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("Deals", "Stage", "type", "colour"), "tab 'Deals', column 'Stage': type 'colour'"),
        (("Deals", "Stage", "choices", []), "tab 'Deals', column 'Stage': a choice column needs"),
        (("Customers", "Email", "owner", "nobody"), "tab 'Customers', column 'Email': owner"),
        (("Customers", "Email", "required", "yes"), "tab 'Customers', column 'Email': 'required'"),
        (("Deals", "Customer ID", "references", "Clients"), "references unknown tab 'Clients'"),
        (("Customers", "Phone", "colour", "red"), "tab 'Customers', column 'Phone': unknown field"),
        (("Customers", "Phone", "aliases", ["E-mail"]), "the name 'E-mail' is already used by"),
        (("Deals", "Stage", "choice_aliases", {"Wonn": ["x"]}), "'Wonn', which is not a choice"),
        (
            ("Customers", "Name", "preferred_aliases", ["Nickname"]),
            "tab 'Customers', column 'Name': every one of 'preferred_aliases' must be in 'aliases'",
        ),
        (
            ("Customers", "Name", "parts", [["First name"]]),
            "tab 'Customers', column 'Name': 'parts' is a list of two or more lists",
        ),
    ],
)
def test_a_broken_schema_names_the_tab_and_column(
    change: tuple[str, str, str, object], message: str
) -> None:
    document = _document()
    tab, header, key, value = change
    column = _column(document, tab, header)
    column[key] = value
    for raw_tab in document["tab"]:
        if raw_tab["name"] == tab:
            raw_tab["column"] = [column if c["header"] == header else c for c in raw_tab["column"]]
    with pytest.raises(SchemaError, match=message.replace("(", r"\(")):
        parse_schema(document)


def test_schema_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "crm.toml"
    path.write_text("[[tab]\nname = ", encoding="utf-8")
    with pytest.raises(SchemaError, match="not valid TOML"):
        load_schema(path)


def test_a_tab_without_columns_is_refused() -> None:
    with pytest.raises(SchemaError, match="tab 'Empty': declares no columns"):
        parse_schema({"tab": [{"name": "Empty", "column": []}]})


def test_two_tabs_with_one_name_are_refused() -> None:
    column = {"header": "Key", "type": "text"}
    with pytest.raises(SchemaError, match="the name 'settings' is used by another tab"):
        parse_schema(
            {
                "tab": [
                    {"name": "Settings", "column": [column]},
                    {"name": "Other", "aliases": ["settings"], "column": [column]},
                ]
            }
        )
