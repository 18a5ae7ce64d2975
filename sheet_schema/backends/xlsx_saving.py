"""Saving a local .xlsx file safely: refused while it is open elsewhere or read-only, then
written to a temporary file in the same folder and renamed over the original, so a crash never
leaves a half-written workbook (copies a killed process left: :mod:`temp_copies`).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from sheet_schema.backends.base import ConfigurationError
from sheet_schema.backends.temp_copies import temporary_prefix


def _lock_files(path: Path) -> list[Path]:
    # Excel writes "~$name.xlsx" and LibreOffice ".~lock.name.xlsx#" beside a file it has open.
    candidates = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    return [c for c in candidates if c.exists()]


def check_writable(path: Path) -> None:
    """Refuse, with a clear message, a file that is open elsewhere or cannot be saved."""
    locks = _lock_files(path)
    if locks:
        raise ConfigurationError(
            f"{path}: the workbook is open in another program "
            f"({locks[0].name} exists). Close it and run again; nothing was "
            "written."
        )
    # The mode bits count too: root may write anything, but a file someone marked
    # read-only is a request not to change it.
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & stat.S_IWUSR):
        raise ConfigurationError(f"{path}: the file is read-only; nothing was written.")
    if not os.access(path.parent, os.W_OK):
        raise ConfigurationError(
            f"{path.parent}: the folder is read-only, so the workbook "
            "cannot be saved safely; nothing was written."
        )


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def save_atomically(book: Workbook, path: Path) -> None:
    """Save to a temporary file beside ``path`` and rename it over the original."""
    replace_atomically(path, book.save)


def replace_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Write a temporary file beside ``path`` with ``write`` and rename it over the original.

    The temporary file is hidden and named ``.<stem>.sheetcrm-<pid>-<random>.xlsx``, so that a
    copy left by a killed process can be recognised and removed
    (:func:`~sheet_schema.backends.temp_copies.remove_stale_copies`).
    """
    handle, temporary = tempfile.mkstemp(
        prefix=temporary_prefix(path), suffix=".xlsx", dir=path.parent
    )
    os.close(handle)
    try:
        write(temporary)
        # mkstemp makes the file private (0600); keep the old file's mode, or give a new one the
        # mode any program would (0666 less the umask).
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else _new_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
