"""The temporary workbook copies of an atomic save, and removing those a killed process left.

A save writes the whole workbook to a hidden temporary file beside it, then renames it over the
original (sheet_schema.backends.xlsx_saving). A process killed during the save leaves that copy
behind.
Copies are named ``.<stem>.sheetcrm-<pid>-<random>.xlsx``: the name says they are SheetCRM's
and which process wrote them, so the next run removes exactly those whose process is gone (or
whose process id now belongs to a process started after the copy was last written). Copies of
the older naming, ``.<stem>.<8 random characters>.xlsx``, are removed once an hour old.
Nothing else in the folder is touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

_LEGACY_AGE_SECONDS = 3600.0


def temporary_prefix(path: Path) -> str:
    """The name prefix of this process's temporary copies of ``path``."""
    return f".{path.stem}.sheetcrm-{os.getpid()}-"


def remove_stale_copies(path: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary copies of ``path`` that no running process is writing.

    Returns the files removed. Never raises: a copy that cannot be removed stays.
    """
    stem = re.escape(path.stem)
    ours = re.compile(rf"\.{stem}\.sheetcrm-(\d+)-[A-Za-z0-9_]+\.xlsx")
    legacy = re.compile(rf"\.{stem}\.[a-z0-9_]{{8}}\.xlsx")
    moment = time.time() if now is None else now
    removed: list[Path] = []
    try:
        candidates = list(path.parent.iterdir())
    except OSError:
        return removed
    for candidate in candidates:
        try:
            modified = candidate.stat().st_mtime
        except OSError:
            continue
        match = ours.fullmatch(candidate.name)
        if match:
            stale = _gone(int(match.group(1)), modified)
        else:
            stale = bool(legacy.fullmatch(candidate.name)) and (
                moment - modified > _LEGACY_AGE_SECONDS
            )
        if stale and candidate.is_file():
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def _gone(pid: int, modified: float) -> bool:
    """True when process ``pid`` no longer writes a file last modified at ``modified``."""
    if pid == os.getpid():
        return False  # this process: a save in another thread may be under way
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    except OSError:
        return False
    started = _start_time(pid)
    # The id was reused: the live process started after the copy was last written.
    return started is not None and started > modified + 1.0


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), where /proc says so (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        ticks = os.sysconf("SC_CLK_TCK")
        return boot + int(fields[19]) / ticks  # field 22 of stat: start time in clock ticks
    except (OSError, ValueError, IndexError, StopIteration):
        return None
