"""`sheetcrm init` writes every setting the code reads into the Settings tab, with its default.

The keys the code reads are found in the code itself: the typed fields of
:class:`sheet_schema.settings.Settings`, the per-stage SLA defaults, and every
``settings.get("Some key")`` lookup in the three packages (found by reading their source), so a
setting added later without a Settings row fails here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.settings import Settings, parse_settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sheet_schema", "automations", "dashboard")


def _folded(key: str) -> str:
    return re.sub(r"[\s_\-]+", "", key.casefold())


def looked_up_keys() -> tuple[set[str], set[str]]:
    """(keys, prefixes): string keys of ``<...>settings.get(...)`` calls in the packages' source,
    and the constant beginnings of f-string keys (families such as ``Manager email <name>``)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "get"
                    and ast.unparse(node.func.value).endswith("settings")
                    and node.args
                ):
                    continue
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.add(key.value)
                elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                    prefixes.add(str(key.values[0].value).strip())
    return keys, prefixes


def typed_keys() -> set[str]:
    """Folded keys of the typed settings: one per Settings field, one per SLA stage."""
    found = {
        f.name.replace("_", "") for f in fields(Settings) if f.name not in ("raw", "stage_sla_days")
    }
    found |= {_folded(f"SLA {stage} days") for stage in Settings().stage_sla_days}
    return found


@pytest.fixture(scope="module")
def settings_tab(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    """(key, value, note) rows of the Settings tab of a workbook made by `sheetcrm init`."""
    path = tmp_path_factory.mktemp("init") / "my.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    sheet = load_workbook(path)["Settings"]
    rows = sheet.iter_rows(min_row=2, values_only=True)
    return [(str(k), "" if v is None else str(v), str(n or "")) for k, v, n, *_ in rows if k]


def test_the_code_reads_settings_by_name_and_the_scan_finds_them() -> None:
    keys, prefixes = looked_up_keys()
    # The scan works: the lookups known today are among what it finds.
    assert {"Digest hour", "Unsubscribe email"} <= keys
    assert "Manager email" in prefixes


def test_init_writes_every_setting_the_code_reads(
    settings_tab: list[tuple[str, str, str]],
) -> None:
    written = {_folded(key) for key, _, _ in settings_tab}
    keys, _ = looked_up_keys()
    missing = (typed_keys() | {_folded(k) for k in keys}) - written
    assert not missing, f"settings the code reads but `sheetcrm init` does not write: {missing}"
    assert len(written) == len(settings_tab), "a setting is written twice"


def test_the_values_init_writes_are_the_defaults_the_code_uses(
    settings_tab: list[tuple[str, str, str]],
) -> None:
    parsed, issues = parse_settings((n, k, v) for n, (k, v, _) in enumerate(settings_tab, 2))
    assert issues == []
    # Reading the written values gives exactly the defaults of a workbook with no Settings rows.
    empty, _ = parse_settings([])
    typed = [f.name for f in fields(Settings) if f.name != "raw"]
    assert {n: getattr(parsed, n) for n in typed} == {n: getattr(empty, n) for n in typed}
    from automations.mail.digests import DEFAULT_DIGEST_HOUR

    values = {key: value for key, value, _ in settings_tab}
    assert values["Digest hour"] == str(DEFAULT_DIGEST_HOUR)
    # Empty means "the Sender email", which is what a missing row means too.
    assert values["Unsubscribe email"] == ""


def test_a_family_of_settings_is_explained_in_a_note(
    settings_tab: list[tuple[str, str, str]],
) -> None:
    _, prefixes = looked_up_keys()
    notes = " ".join(note for _, _, note in settings_tab)
    for prefix in prefixes:
        assert prefix in notes, f"no note of the Settings tab tells how to add '{prefix} ...'"
