"""Run bot cycles on a schedule in one long-lived process (`sheetcrm schedule`).

Why a process rather than cron alone: the row memo (automations/incremental.py) lives as long as
the process, so after the first cycle only changed rows are checked again. A cycle that fails
(quota, network, a locked file) is reported and retried at the next tick; it never stops the
loop. A configuration mistake in the first cycle (no such workbook, a key file that does not
work) ends the command at once with the one-line message, so a typo is not retried forever; the
same mistake later (the workbook moved, access revoked) is retried and reported once, then again
only when it changes or ends. A lock file keeps two schedulers from working on one workbook at
once.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import schedule

from sheet_schema.backends.base import ConfigurationError, WorkbookError

log = logging.getLogger("sheetcrm.scheduler")


class AlreadyRunning(RuntimeError):
    """Another bot process (schedule or run) holds the lock for this workbook."""


@contextmanager
def single_instance(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` for a scheduler's lifetime or one run's cycle.

    One bot process per workbook at a time: two overlapping cycles could both send an email
    the other had journaled (a cron job started again before the last run ended).
    The operating system releases the lock when the process dies, so a crash never leaves a
    stale lock behind. A lock that cannot be created (its folder does not exist or is not
    writable) is a :class:`ConfigurationError`: the workbook's path is usually mistyped.
    """
    try:
        handle: TextIO = lock_path.open("a+")
    except FileNotFoundError:
        raise ConfigurationError(
            f"{lock_path.parent}: no such folder (for the lock file {lock_path.name}); check the "
            "workbook's path, or give --lock"
        ) from None
    except PermissionError:
        raise ConfigurationError(
            f"{lock_path}: cannot create the lock file here (permission denied); give --lock "
            "with a writable place"
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(
                f"another `sheetcrm schedule` or `sheetcrm run` is already running for this "
                "workbook "
                f"(lock {lock_path}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def run_schedule(
    cycle: Callable[[], str],
    every_seconds: float,
    stop: threading.Event,
    max_cycles: int | None = None,
    report: Callable[[str], None] = print,
    clock: Callable[[], datetime] = datetime.now,
) -> int:
    """Run ``cycle`` now and then every ``every_seconds`` until ``stop`` is set.

    ``cycle`` returns a one-line summary, which goes to ``report``. Returns how many cycles
    failed. ``max_cycles`` ends the loop after that many cycles (for tests and one-off runs).
    A :class:`ConfigurationError` in the first cycle is raised, not retried.
    """
    scheduler = schedule.Scheduler()  # our own, not the library's module-level default
    done = 0
    failures = 0
    repeated = ""  # the failure reported last, not repeated while it stays the same

    def job() -> None:
        nonlocal done, failures, repeated
        started = clock().isoformat(timespec="seconds")
        try:
            summary = cycle()
            if repeated:
                report(f"{started} working again after: {repeated}")
            repeated = ""
            report(f"{started} {summary}")
        except ConfigurationError as error:
            if done == 0:
                raise
            failures += 1
            if str(error) != repeated:
                report(f"{started} cycle failed, retrying every tick until it is fixed: {error}")
            repeated = str(error)
        except WorkbookError as error:
            failures += 1
            repeated = ""
            report(f"{started} cycle failed, retrying at the next tick: {error}")
        except Exception:  # a bug in one cycle must not stop the bot for good
            failures += 1
            repeated = ""
            log.exception("cycle crashed")
            report(f"{started} cycle crashed (traceback in the log); retrying at the next tick")
        done += 1
        if max_cycles is not None and done >= max_cycles:
            stop.set()

    # `schedule` counts in whole units; a cycle more often than once a second makes no sense.
    scheduler.every(max(1, round(every_seconds))).seconds.do(job)
    job()
    while not stop.is_set():
        scheduler.run_pending()
        idle = scheduler.idle_seconds
        stop.wait(timeout=min(max(idle if idle is not None else 1.0, 0.05), 1.0))
    return failures
