"""A local write-ahead record of which emails were handed to the mail server.

The Mail log in the spreadsheet is written twice per cycle (the journal before sending, the
outcomes after), not once per email: a per-email write would cost a Sheets API call per email.
A cycle killed between the two writes leaves ``Planned`` rows, and the Mail log alone cannot
tell which of them went out. This small append-only file, on the bot's own disk, can:

- ``planned`` (key, attempt): written and fsynced for the whole batch *before* the journal write;
- ``handing`` (key, attempt): written and fsynced just *before* the message itself is handed
  over (SMTP ``DATA``, after the server accepted sender and recipient; the outbox file write);
- ``done`` (key, attempt, outcome, error, time): written after the mailer's answer (made durable
  by the next record's fsync, or at the end of the batch).

One JSON object per line. A line cut short by a kill is ignored (the records that matter were
complete and fsynced before anything was sent). :meth:`HandoverLog.clear` empties the file once
the Mail log holds every outcome. What the next cycle makes of the records is in
:mod:`automations.mail.recovery`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import IO

from automations.mail.mailer import MailerError, SendOutcome, SendResult


class Stage(Enum):
    """How far one attempt got, by the last record about it."""

    PLANNED = "planned"  # journaled; never given to the mailer
    HANDING = "handing"  # being handed over; no answer recorded: it may have gone out
    DONE = "done"  # the mailer answered; ``result`` says how it went


@dataclass(frozen=True)
class Handover:
    """The last record about one attempt (key, attempt number)."""

    stage: Stage
    result: SendResult | None = None
    at: datetime | None = None  # workbook-local time of the answer (naive, like the Mail log)


Attempt = tuple[str, int]


class HandoverLog:
    """The hand-over record of one workbook, in one local file (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"HandoverLog({str(self.path)!r})"

    def read(self) -> dict[Attempt, Handover]:
        """The last record of every attempt in the file (empty when there is no file).

        An unreadable file raises :class:`MailerError`: without it, nothing can be said about
        the Planned rows, and nothing should be sent until a person looks.
        """
        try:
            with self.path.open("rb") as stream:
                lines = stream.read().splitlines()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise MailerError(
                f"The hand-over record {self.path} cannot be read ({error.strerror or error}); "
                "no email was sent. Check the file's permissions."
            ) from None
        found: dict[Attempt, Handover] = {}
        for line in lines:
            record = _parse(line)
            if record is not None:
                found[record[0]] = record[1]
        return found

    @contextmanager
    def recording(self) -> Iterator[HandoverWriter]:
        """Open the file for appending during one batch; fsync and close at the end.

        Raises :class:`MailerError` when the file cannot be written: no email may be sent
        without its record.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            stream = self.path.open("ab")
            if stream.tell() and not _ends_with_newline(self.path):
                stream.write(b"\n")  # a line cut short by a kill stays on its own
        except OSError as error:
            raise _unwritable(self.path, error) from None
        writer = HandoverWriter(stream, self.path)
        try:
            yield writer
        finally:
            writer.close()

    def clear(self) -> None:
        """Empty the file: the Mail log now holds every outcome it recorded."""
        try:
            with self.path.open("r+b") as stream:
                stream.truncate(0)
                os.fsync(stream.fileno())
        except OSError:
            # Harmless: the records only matter for Mail log rows that are still Planned, and
            # the next cycle's clear tries again.
            pass


class HandoverWriter:
    """Appends records to an open hand-over file."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self._stream = stream
        self._path = path

    def planned(self, attempts: Iterable[Attempt]) -> None:
        """Record the batch about to be journaled, durably (one fsync for all)."""
        for key, attempt in attempts:
            self._write({"r": Stage.PLANNED.value, "k": key, "n": attempt})
        self._sync()

    def handing(self, key: str, attempt: int) -> None:
        """Record, durably, that this message is about to be handed over."""
        self._write({"r": Stage.HANDING.value, "k": key, "n": attempt})
        self._sync()

    def done(self, key: str, attempt: int, result: SendResult, at: datetime) -> None:
        """Record the mailer's answer (durable with the next record's fsync)."""
        self._write(
            {
                "r": Stage.DONE.value,
                "k": key,
                "n": attempt,
                "o": result.outcome.value,
                "e": result.error,
                "t": result.temporary,
                "at": at.isoformat(),
            }
        )

    def _write(self, record: dict[str, object]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            self._stream.write(line.encode("utf-8"))
            self._stream.flush()  # in the kernel: a kill of this process no longer loses it
        except OSError as error:
            raise _unwritable(self._path, error) from None

    def _sync(self) -> None:
        try:
            os.fsync(self._stream.fileno())  # on the disk: a power cut does not lose it either
        except OSError as error:
            raise _unwritable(self._path, error) from None

    def close(self) -> None:
        """Make the last records durable and close the file."""
        try:
            if not self._stream.closed:
                self._stream.flush()
                os.fsync(self._stream.fileno())
        except OSError:
            pass  # a lost "done" only makes its email Unknown instead of Sent
        finally:
            self._stream.close()


def _parse(line: bytes) -> tuple[Attempt, Handover] | None:
    try:
        record = json.loads(line)
        stage = Stage(record["r"])
        attempt = (str(record["k"]), int(record["n"]))
        if stage is not Stage.DONE:
            return attempt, Handover(stage)
        result = SendResult(SendOutcome(record["o"]), str(record["e"]), bool(record["t"]))
        return attempt, Handover(stage, result, datetime.fromisoformat(record["at"]))
    except (ValueError, KeyError, TypeError):
        return None  # a line cut short by a kill, or not ours


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1) == b"\n"


def _unwritable(path: Path, error: OSError) -> MailerError:
    return MailerError(
        f"The hand-over record {path} cannot be written ({error.strerror or error}), so an "
        "email sent now could be lost or sent twice after a crash; the emails not handed over "
        "wait for the next cycle. Check the disk space and the folder's permissions, or choose "
        "another folder with --state-dir."
    )
