"""Write messages as ``.eml`` files to a folder instead of sending them.

Nothing leaves the computer: the demo uses :class:`OutboxMailer`, and so does a dry run a person
can open in a mail program.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

from automations.mail.mailer import MailerError, SendOutcome, SendResult
from automations.mail.message import KEY_HEADER

# Characters kept in outbox file names: safe on Windows, macOS and Linux file systems.
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
_FILENAME_LIMIT = 150


class OutboxMailer:
    """Write each message to ``folder/<key>.eml`` instead of sending it.

    Nothing leaves the computer: the demo uses this, and a person can open the files in any mail
    program to see exactly what would be sent. Writing the same key again replaces the file.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"OutboxMailer(folder={str(self.folder)!r})"

    def describe(self) -> str:
        """Where the files go."""
        return f"outbox folder {self.folder.absolute()} (one .eml file per email; nothing is sent)"

    @contextmanager
    def session(self) -> Iterator[OutboxSession]:
        """Create the folder if needed; MailerError if that is impossible."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailerError(
                f"Could not create the outbox folder {self.folder.absolute()} "
                f"({exc.strerror or exc}). Choose a folder you can write to."
            ) from None
        yield OutboxSession(self.folder)


class OutboxSession:
    """An open outbox; each message is written atomically (temp file, then rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, handing: Callable[[], None] | None = None) -> SendResult:
        """Write the message as ``<sanitised key>.eml``; FAILED if the disk refuses.

        ``handing`` runs just before the file is written.
        """
        key = str(message.get(KEY_HEADER) or message.get("Message-ID") or "")
        if not key:
            key = hashlib.sha256(message.as_bytes()).hexdigest()[:32]
        target = self.folder / outbox_filename(key)
        payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        temp: str | None = None
        if handing is not None:
            handing()
        try:
            # A dot name and a .tmp suffix: a half-written file is never taken for an email.
            handle, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, target)
        except OSError as exc:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            return SendResult(
                SendOutcome.FAILED, f"could not write {target} ({exc.strerror or exc})"
            )
        return SendResult(SendOutcome.SENT)


def outbox_filename(key: str) -> str:
    """A file name for a key that is valid on Windows too: ``birthday:C-0001:2026`` ->
    ``birthday_C-0001_2026.eml`` (unsafe characters become ``_``, at most 150 characters)."""
    stem = _UNSAFE_FILENAME.sub("_", key)[:_FILENAME_LIMIT].strip("._") or "message"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return f"{stem}.eml"
