"""`sheetcrm init` writes every setting the code reads into the Settings tab, with its default.

The keys the code reads are found in the code itself: the typed fields of
:class:`sheet_schema.settings.Settings`, the per-stage SLA defaults, and every
``settings.get("Some key")`` lookup in the three packages (found by reading their source), so a
setting added later without a Settings row fails here.
"""

from __future__ import annotations

from dataclasses import fields

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.settings import Settings, parse_settings
from tests.settings_lookups import folded, looked_up_keys, typed_keys


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
    assert "Unsubscribe email" in keys
    assert "Manager email" in prefixes


def test_init_writes_every_setting_the_code_reads(
    settings_tab: list[tuple[str, str, str]],
) -> None:
    written = {folded(key) for key, _, _ in settings_tab}
    keys, _ = looked_up_keys()
    missing = (typed_keys() | {folded(k) for k in keys}) - written
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
    values = {key: value for key, value, _ in settings_tab}
    assert values["Digest hour"] == str(Settings().digest_hour)
    # Empty means "the Sender email", which is what a missing row means too.
    assert values["Unsubscribe email"] == ""


def test_a_family_of_settings_is_explained_in_a_note(
    settings_tab: list[tuple[str, str, str]],
) -> None:
    _, prefixes = looked_up_keys()
    notes = " ".join(note for _, _, note in settings_tab)
    for prefix in prefixes:
        assert prefix in notes, f"no note of the Settings tab tells how to add '{prefix} ...'"
