"""The Sheets emulator, driven through the real gspread client with a generated key file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import gspread
import pytest
import requests
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError
from gspread.utils import DateTimeOption, InsertDataOption, ValueInputOption, ValueRenderOption

from tests.sheets_emulator import EmulatorServer, write_service_account_file
from tests.sheets_emulator import fixtures as emulator_fixtures
from tests.sheets_emulator.fixtures import gspread_client, routed_http_client

# Until tests/conftest.py registers the emulator fixtures, make them visible here.
sheets_emulator = emulator_fixtures.sheets_emulator
service_account_file = emulator_fixtures.service_account_file

REPO_ROOT = Path(__file__).resolve().parents[1]
USER_ENTERED = ValueInputOption.user_entered
UNFORMATTED = ValueRenderOption.unformatted
FORMULA = ValueRenderOption.formula
FORMATTED_STRING = DateTimeOption.formatted_string


@pytest.fixture
def client(sheets_emulator: EmulatorServer, service_account_file: Path) -> gspread.Client:
    return gspread_client(sheets_emulator, service_account_file)


@pytest.fixture
def crm_id(sheets_emulator: EmulatorServer) -> str:
    return sheets_emulator.create_spreadsheet(
        title="CRM",
        sheets={"Customers": [["ID", "Name"], ["C-0001", "Ana"]], "Deals": [["ID"]]},
    )


# -- reading --------------------------------------------------------------------------------
def test_open_by_key_lists_tabs_and_reads_values(client: gspread.Client, crm_id: str) -> None:
    sh = client.open_by_key(crm_id)
    assert sh.title == "CRM"
    assert [ws.title for ws in sh.worksheets()] == ["Customers", "Deals"]
    assert sh.worksheet("Customers").get_all_values() == [["ID", "Name"], ["C-0001", "Ana"]]


def test_values_batch_get_echoes_clamped_ranges(client: gspread.Client, crm_id: str) -> None:
    sh = client.open_by_key(crm_id)
    body = sh.values_batch_get(["Customers!A1:B1", "Customers!A:A", "Deals!B5:C6"])
    ranges = body["valueRanges"]
    assert [r["range"] for r in ranges] == ["Customers!A1:B1", "Customers!A1:A1000", "Deals!B5:C6"]
    assert ranges[0]["values"] == [["ID", "Name"]]
    assert ranges[1]["values"] == [["ID"], ["C-0001"]]
    assert "values" not in ranges[2]


def test_reads_trim_like_google(client: gspread.Client, crm_id: str) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    ws.update([["x", "", ""]], "A4:C4")
    body = ws.spreadsheet.values_get("'Customers'!A1:D6")
    assert body["range"] == "Customers!A1:D6"
    assert body["values"] == [["ID", "Name"], ["C-0001", "Ana"], [], ["x"]]


def test_titles_that_need_quotes_are_quoted_in_echoed_ranges(
    client: gspread.Client, sheets_emulator: EmulatorServer
) -> None:
    sid = sheets_emulator.create_spreadsheet(sheets={"Open deals": [["a"]], "D3": [["b"]]})
    sh = client.open_by_key(sid)
    assert sh.values_get("'Open deals'!A1:B2")["range"] == "'Open deals'!A1:B2"
    assert sh.values_get("'D3'!A1")["range"] == "'D3'!A1"


# -- writing --------------------------------------------------------------------------------
def test_raw_keeps_text_and_user_entered_parses(client: gspread.Client, crm_id: str) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    ws.update([["=1+2", "00123"]], "C1:D1", raw=True)
    ws.update([["=1+2", "00123"]], "C2:D2", value_input_option=USER_ENTERED)
    unformatted = ws.get("C1:D2", value_render_option=UNFORMATTED)
    assert unformatted == [["=1+2", "00123"], [3, 123]]
    assert ws.get("C1:D2", value_render_option=FORMULA) == [["=1+2", "00123"], ["=1+2", 123]]
    assert ws.get("C2:D2") == [["3", "123"]]


def test_user_entered_dates_become_serials_shown_as_typed(
    client: gspread.Client, crm_id: str
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    ws.update(
        [["2024-03-05", "3/5/2024", "TRUE", '=IMPORTXML("http://x", "//a")']],
        "C3",
        value_input_option=USER_ENTERED,
    )
    assert ws.get("C3:F3", value_render_option=UNFORMATTED) == [[45356, 45356, True, "#NAME?"]]
    assert ws.get("C3:F3") == [["2024-03-05", "3/5/2024", "TRUE", "#NAME?"]]
    assert ws.get(
        "C3:D3", value_render_option=UNFORMATTED, date_time_render_option=FORMATTED_STRING
    ) == [["2024-03-05", "3/5/2024"]]
    assert ws.get("F3", value_render_option=FORMULA) == [['=IMPORTXML("http://x", "//a")']]


def test_append_rows_goes_after_the_table(client: gspread.Client, crm_id: str) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    reply = ws.append_rows([["C-0002", "Bo"], ["C-0003", "Cy"]])
    assert reply["tableRange"] == "Customers!A1:B2"
    assert reply["updates"]["updatedRange"] == "Customers!A3:B4"
    assert ws.get_all_values()[-1] == ["C-0003", "Cy"]


def test_append_after_a_gap_uses_the_last_block(
    client: gspread.Client, sheets_emulator: EmulatorServer
) -> None:
    sid = sheets_emulator.create_spreadsheet(sheets={"S": [["a", "", "c"]]})
    ws = client.open_by_key(sid).worksheet("S")
    reply = ws.append_row(["x"])
    # Google's own answer for this layout (WorksheetTest.test_append_row_with_empty_value).
    assert reply["tableRange"] == "S!C1"
    assert reply["updates"]["updatedRange"] == "S!C2"


def test_append_insert_rows_pushes_data_down(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    ws.append_row(
        ["C-0002", "Bo"], insert_data_option=InsertDataOption.insert_rows, table_range="A1"
    )
    assert ws.row_count == 1001


def test_write_outside_the_grid_or_bad_range_is_400(client: gspread.Client, crm_id: str) -> None:
    sh = client.open_by_key(crm_id)
    with pytest.raises(APIError) as exceeded:
        sh.values_update(
            "Customers!A1001", params={"valueInputOption": "RAW"}, body={"values": [["x"]]}
        )
    assert exceeded.value.code == 400
    assert "exceeds grid limits" in str(exceeded.value)
    with pytest.raises(APIError) as unparsable:
        sh.values_get("Nope!A1")
    assert unparsable.value.code == 400
    assert "Unable to parse range: Nope!A1" in str(unparsable.value)


# -- spreadsheets.batchUpdate ---------------------------------------------------------------
def test_batch_update_replies_and_stored_objects(client: gspread.Client, crm_id: str) -> None:
    sh = client.open_by_key(crm_id)
    reply = sh.batch_update(
        {
            "requests": [
                {"addSheet": {"properties": {"title": "Sources"}}},
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "startColumnIndex": 1,
                            "endColumnIndex": 2,
                        },
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": "Ana"}],
                            },
                            "showCustomUi": True,
                            "strict": True,
                        },
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
                            "warningOnly": True,
                            "description": "bot column",
                        }
                    }
                },
            ]
        }
    )
    replies = reply["replies"]
    assert replies[0]["addSheet"]["properties"]["title"] == "Sources"
    assert replies[0]["addSheet"]["properties"]["index"] == 2
    assert replies[1] == {}
    protected = replies[2]["addProtectedRange"]["protectedRange"]
    assert isinstance(protected["protectedRangeId"], int)
    assert protected["warningOnly"] is True
    meta = sh.fetch_sheet_metadata()
    customers = meta["sheets"][0]
    assert customers["protectedRanges"][0]["protectedRangeId"] == protected["protectedRangeId"]
    grid = sh.fetch_sheet_metadata(
        {"ranges": "Customers!B2", "fields": "sheets.data.rowData.values.dataValidation"}
    )
    rule = grid["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]
    assert rule["condition"]["type"] == "ONE_OF_LIST"


def test_batch_update_is_all_or_nothing(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    sh = client.open_by_key(crm_id)
    with pytest.raises(APIError) as err:
        sh.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": "New"}}},
                    {"deleteSheet": {"sheetId": 999}},
                ]
            }
        )
    assert err.value.code == 400
    assert "requests[1].deleteSheet" in str(err.value)
    assert [ws.title for ws in sh.worksheets()] == ["Customers", "Deals"]


def test_unknown_request_kind_is_rejected_like_google(client: gspread.Client, crm_id: str) -> None:
    with pytest.raises(APIError) as err:
        client.open_by_key(crm_id).batch_update({"requests": [{"frobnicate": {}}]})
    assert err.value.code == 400
    assert 'Unknown name "frobnicate"' in str(err.value)


def test_insert_rows_shifts_values_and_protected_ranges(
    client: gspread.Client, crm_id: str
) -> None:
    sh = client.open_by_key(crm_id)
    sh.batch_update(
        {
            "requests": [
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2}
                        }
                    }
                }
            ]
        }
    )
    ws = sh.worksheet("Customers")
    ws.insert_row(["C-0000", "Zed"], index=2)
    assert ws.get_all_values() == [["ID", "Name"], ["C-0000", "Zed"], ["C-0001", "Ana"]]
    protected = sh.fetch_sheet_metadata()["sheets"][0]["protectedRanges"][0]["range"]
    assert (protected["startRowIndex"], protected["endRowIndex"]) == (2, 3)


# -- statistics -----------------------------------------------------------------------------
def test_stats_count_requests_by_kind(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    sheets_emulator.reset_stats()
    ws.get_all_values()
    ws.batch_update([{"range": "A3", "values": [["C-0002"]]}])
    ws.append_rows([["C-0003"]])
    stats = sheets_emulator.stats()
    assert stats["requests"] == {"values.get": 1, "values.batchUpdate": 1, "values.append": 1}
    over_http = requests.get(f"{sheets_emulator.base_url}/_emulator/stats", timeout=5).json()
    assert over_http["total"] == 3
    requests.post(f"{sheets_emulator.base_url}/_emulator/reset-stats", timeout=5)
    assert sheets_emulator.stats()["total"] == 0


# -- faults ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "status"), [("429", 429), ("500", 500), ("503", 503)])
def test_error_faults_reach_the_client_and_change_nothing(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer, kind: str, status: int
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    sheets_emulator.faults.add(kind)
    with pytest.raises(APIError) as err:
        ws.update([["changed"]], "A1")
    assert err.value.code == status
    if status == 429:
        assert err.value.response.headers["Retry-After"] == "1"
        assert err.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert ws.acell("A1").value == "ID"
    assert sheets_emulator.stats()["faulted"] == {"values.update": 1}


def test_fault_for_one_endpoint_lets_others_through(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    sheets_emulator.faults.rate_limit(count=2, endpoint="values.append", retry_after=7)
    assert ws.acell("A1").value == "ID"
    for _ in range(2):
        with pytest.raises(APIError) as err:
            ws.append_row(["C-0002"])
        assert err.value.response.headers["Retry-After"] == "7"
    ws.append_row(["C-0002"])
    assert ws.col_values(1) == ["ID", "C-0001", "C-0002"]


def test_dropped_connection_answers_nothing_and_changes_nothing(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    sheets_emulator.faults.drop_connection()
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.update([["changed"]], "A1")
    assert ws.acell("A1").value == "ID"


def test_slow_fault_and_latency_delay_answers(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    sheets_emulator.faults.slow(0.3)
    started = time.perf_counter()
    assert ws.acell("A1").value == "ID"
    assert time.perf_counter() - started >= 0.3
    # The fault slowed one answer and is spent: the next request is not delayed (checked on the
    # fault list, not with a stopwatch a loaded machine would fail).
    assert sheets_emulator.faults.pending() == []
    ws.acell("A1")
    requests.post(f"{sheets_emulator.base_url}/_emulator/faults", json={"latency": 0.15}, timeout=5)
    started = time.perf_counter()
    ws.acell("A1")
    ws.acell("B1")
    assert time.perf_counter() - started >= 0.3


def test_faults_can_be_armed_over_http(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    ws = client.open_by_key(crm_id).worksheet("Customers")
    armed = requests.post(
        f"{sheets_emulator.base_url}/_emulator/faults",
        json={"kind": "503", "count": 1, "endpoint": "values.get"},
        timeout=5,
    )
    assert armed.json()["faults"][0]["kind"] == "503"
    with pytest.raises(APIError) as err:
        ws.get_all_values()
    assert err.value.code == 503
    assert ws.get_all_values()[0] == ["ID", "Name"]


# -- auth and access errors -----------------------------------------------------------------
def test_missing_token_is_401(sheets_emulator: EmulatorServer, crm_id: str) -> None:
    # gspread documents auth=None with a session of one's own; its annotation says otherwise.
    anonymous = gspread.Client(
        auth=None,  # type: ignore[arg-type]
        session=requests.Session(),
        http_client=routed_http_client(sheets_emulator.base_url),
    )
    with pytest.raises(APIError) as err:
        anonymous.open_by_key(crm_id)
    assert err.value.code == 401
    bogus = requests.get(
        f"{sheets_emulator.base_url}/v4/spreadsheets/{crm_id}",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=5,
    )
    assert bogus.status_code == 401
    assert bogus.json()["error"]["status"] == "UNAUTHENTICATED"


def test_not_shared_spreadsheet_is_403(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    sheets_emulator.store.set_forbidden(crm_id, True)
    with pytest.raises(APIError) as err:
        client.http_client.values_get(crm_id, "Customers!A1")
    assert err.value.code == 403
    assert err.value.error["message"] == "The caller does not have permission"


def test_unknown_spreadsheet_is_404(client: gspread.Client) -> None:
    with pytest.raises(APIError) as err:
        client.http_client.values_get("no-such-id", "A1")
    assert err.value.code == 404
    assert err.value.error["message"] == "Requested entity was not found."
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("no-such-id")


def test_token_endpoint_rejects_an_unregistered_key(
    sheets_emulator: EmulatorServer, crm_id: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "unknown.json"
    write_service_account_file(key_file, sheets_emulator, register=False)
    with pytest.raises(RefreshError, match="invalid_grant"):
        gspread_client(sheets_emulator, key_file).open_by_key(crm_id)
    assert sheets_emulator.stats()["requests"] == {"token": 1}
    garbage = requests.post(
        sheets_emulator.token_uri,
        timeout=5,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "a.b.c"},
    )
    assert garbage.status_code == 400
    assert garbage.json()["error"] == "invalid_grant"


# -- people editing between the bot's read and write ----------------------------------------
def test_hooks_edit_the_sheet_like_people_do(
    client: gspread.Client, crm_id: str, sheets_emulator: EmulatorServer
) -> None:
    edits = sheets_emulator.edits
    edits.set_values(crm_id, "Customers!A3:B4", [["C-0003", "Cy"], ["C-0002", "Bo"]])
    edits.insert_rows(crm_id, "Customers", 1, rows=[["C-0009", "Ivo"]])
    edits.sort_rows(crm_id, "Customers", column=0)
    assert edits.grid_values(crm_id, "Customers") == [
        ["ID", "Name"],
        ["C-0001", "Ana"],
        ["C-0002", "Bo"],
        ["C-0003", "Cy"],
        ["C-0009", "Ivo"],
    ]
    edits.delete_rows(crm_id, "Customers", 1)
    edits.rename_sheet(crm_id, "Customers", "Clients")
    edits.add_sheet(crm_id, "Notes")
    edits.merge_cells(crm_id, "Clients!A2:B2")
    sh = client.open_by_key(crm_id)
    assert [ws.title for ws in sh.worksheets()] == ["Clients", "Deals", "Notes"]
    assert sh.worksheet("Clients").get_all_values()[1] == ["C-0002", ""]
    assert sh.fetch_sheet_metadata()["sheets"][0]["merges"] == [
        {"startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}
    ]
    assert sheets_emulator.stats()["requests"].get("spreadsheets.batchUpdate", 0) == 0


def test_concurrent_appends_all_land(
    sheets_emulator: EmulatorServer, crm_id: str, service_account_file: Path
) -> None:
    clients = [gspread_client(sheets_emulator, service_account_file) for _ in range(4)]
    sheets = [c.open_by_key(crm_id).worksheet("Customers") for c in clients]

    def writer(n: int) -> None:
        for i in range(5):
            sheets[n].append_row([f"T{n}-{i}"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = sheets_emulator.edits.grid_values(crm_id, "Customers")
    assert len(ids) == 22
    assert {r[0] for r in ids[2:]} == {f"T{n}-{i}" for n in range(4) for i in range(5)}


# -- command line ---------------------------------------------------------------------------
def test_module_entry_point_serves_stats(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.sheets_emulator",
            "--port",
            "0",
            "--seed-spreadsheet",
            "crm-seed",
            "--write-key-file",
            str(key_file),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert "service account" in proc.stdout.readline()
        assert base_url.startswith("http://127.0.0.1:")
        assert requests.get(f"{base_url}/_emulator/stats", timeout=5).json()["total"] == 0
        info = json.loads(key_file.read_text())
        assert info["token_uri"] == f"{base_url}/token"
        client = gspread.service_account(
            filename=str(key_file), http_client=routed_http_client(base_url)
        )
        assert client.open_by_key("crm-seed").sheet1.title == "Sheet1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_values_batch_update_with_a_bad_range_writes_nothing(
    client: gspread.Client, crm_id: str
) -> None:
    sh = client.open_by_key(crm_id)
    with pytest.raises(APIError) as err:
        sh.values_batch_update(
            {
                "valueInputOption": "RAW",
                "data": [
                    {"range": "Customers!A3", "values": [["C-0002"]]},
                    {"range": "Nowhere!A1", "values": [["x"]]},
                ],
            }
        )
    assert err.value.code == 400
    assert sh.worksheet("Customers").col_values(1) == ["ID", "C-0001"]


def test_columns_major_reads_and_clears(client: gspread.Client, crm_id: str) -> None:
    sh = client.open_by_key(crm_id)
    body = sh.values_get("Customers!A1:B2", params={"majorDimension": "COLUMNS"})
    assert body["values"] == [["ID", "C-0001"], ["Name", "Ana"]]
    cleared = sh.values_batch_clear(body={"ranges": ["Customers!B:B", "Deals"]})
    assert cleared["clearedRanges"] == ["Customers!B1:B1000", "Deals!A1:Z1000"]
    assert sh.worksheet("Customers").get_all_values() == [["ID"], ["C-0001"]]
