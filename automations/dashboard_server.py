"""Start the dashboard (``streamlit run dashboard/app.py``) as a server, for `sheetcrm dashboard`
and `sheetcrm demo`.

The dashboard is found as the ``app.py`` file of the installed ``dashboard`` package and run by
the same Python, so it opens the workbook with the same code as the bot. Nothing here imports the
dashboard or reads the environment (the server inherits it, which is how
``SHEETCRM_SHEETS_API_URL`` and ``.streamlit/secrets.toml`` in the current folder reach it).
"""

from __future__ import annotations

import http.client
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8501
# The dashboard's option (dashboard.auth.OPEN_OPTION) that serves it without a login; the
# dashboard itself still shows data only to visits from this computer.
OPEN_WITHOUT_LOGIN = "--open-without-login"
_HEALTH_TIMEOUT_SECONDS = 90.0
_STOP_TIMEOUT_SECONDS = 10.0


def find_dashboard_app() -> Path | None:
    """``app.py`` of the installed ``dashboard`` package, or None when there is none."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        app = Path(location) / "app.py"
        if app.is_file():
            return app
    return None


def dashboard_command(
    app: Path, port: int, workbook_options: Sequence[str], address: str = LOOPBACK
) -> list[str]:
    """The command that serves the dashboard on ``address:port`` for the workbook that
    ``workbook_options`` (``--workbook F``, or ``--spreadsheet ID --credentials FILE``) name."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # The owner has nothing to deploy: no "Deploy" button or developer menu.
        "--client.toolbarMode",
        "minimal",
        "--",
        *workbook_options,
    ]


def port_is_free(port: int, address: str = LOOPBACK) -> bool:
    """True when nothing listens on ``address:port`` (connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Streamlit's server sets SO_REUSEADDR too, so a recently closed port is usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def port_in_use_message(command: str, port: int, address: str, alternative: str = "") -> str:
    """The sentence for a port something else already listens on."""
    return (
        f"{command}: port {port} on {address} is already in use (another dashboard?). "
        f"Pick another with --port, e.g. --port {port + 1}{alternative}."
    )


def serve_dashboard(
    app: Path,
    port: int,
    workbook_options: Sequence[str],
    address: str = LOOPBACK,
    command: str = "sheetcrm dashboard",
) -> int:
    """Run the dashboard until it exits or Ctrl+C; Ctrl+C stops it cleanly and returns 0.

    ``command`` names the caller in messages. Returns 1 when the server stopped by itself with
    an error.
    """
    url = f"http://{address}:{port}"
    process = subprocess.Popen(dashboard_command(app, port, workbook_options, address))
    try:
        if _wait_until_healthy(process, url):
            print(f"Dashboard running at {url} (Ctrl+C stops it).", flush=True)
        code = process.wait()
    except KeyboardInterrupt:
        _stop(process)
        print("Dashboard stopped.")
        return 0
    if code != 0:
        print(f"{command}: the dashboard stopped with exit code {code}.", file=sys.stderr)
        return 1
    # Ctrl+C reaches streamlit too; when it exits cleanly before this process sees the
    # interrupt, the dashboard was stopped all the same.
    print("Dashboard stopped.")
    return 0


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + _HEALTH_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError, http.client.HTTPException):
            # Not up yet, or another program answers on the port (it is then not ours).
            pass
        time.sleep(0.3)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    # Ctrl+C in a terminal reaches streamlit too; terminate covers the case where it did not.
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
