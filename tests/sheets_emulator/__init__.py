"""A local HTTP emulator of the Google Sheets API v4 for SheetCRM's tests.

``with EmulatorServer() as emu:`` starts it on a free port; point gspread at ``emu.base_url``
instead of ``https://sheets.googleapis.com`` and authenticate with a key file from
:func:`write_service_account_file`.
"""

from .faults import FaultInjector
from .keys import service_account_info, write_service_account_file
from .server import EmulatorServer
from .store import Store

__all__ = [
    "EmulatorServer",
    "FaultInjector",
    "Store",
    "service_account_info",
    "write_service_account_file",
]
