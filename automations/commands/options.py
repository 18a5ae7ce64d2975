"""What the command line and the environment say: the workbook, the mailer, local state files.

The only module of the bot that reads environment variables (with the commands that call it).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from automations.mail.handover_log import HandoverLog
from automations.mail.mailer import Mailer
from sheet_schema.backends.base import Backend, ConfigurationError
from sheet_schema.backends.opening import WorkbookLocation, locate_workbook, open_workbook
from sheet_schema.schema import Schema


def workbook_location(args: argparse.Namespace) -> WorkbookLocation:
    """The workbook the options and environment name."""
    return locate_workbook(args, os.environ)


def build_backend(args: argparse.Namespace, schema: Schema) -> Backend:
    """The backend the options and environment point at: Google Sheets or a local workbook."""
    return open_workbook(workbook_location(args), schema)


def add_mail_options(parser: argparse.ArgumentParser) -> None:
    """Add the SMTP, outbox and state-folder options of `run` and `schedule`."""
    mail = parser.add_argument_group(
        "how emails leave (default: .eml files in an outbox folder, nothing is sent)"
    )
    mail.add_argument("--smtp-host", default=None, help="SMTP server (env SHEETCRM_SMTP_HOST)")
    mail.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        help="port (env SHEETCRM_SMTP_PORT; 587, 465 for ssl)",
    )
    mail.add_argument("--smtp-user", default=None, help="login (env SHEETCRM_SMTP_USER)")
    mail.add_argument(
        "--smtp-security",
        choices=["starttls", "ssl", "none"],
        default=None,
        help="env SHEETCRM_SMTP_SECURITY (starttls; ssl when the port is 465)",
    )
    mail.add_argument(
        "--outbox",
        type=Path,
        default=None,
        help="folder for .eml files when no SMTP server is set (default: outbox/ beside the "
        "workbook)",
    )
    mail.add_argument("--no-send", action="store_true", help="plan emails but send and record none")
    mail.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="folder for the local record of emails handed to the mail server (env "
        "SHEETCRM_STATE_DIR; default: a hidden file beside the workbook, or "
        "$XDG_STATE_HOME/sheetcrm/<spreadsheet id>/ for Google Sheets)",
    )


def build_mailer(args: argparse.Namespace) -> Mailer | None:
    """The mailer the options and environment point at: SMTP, else an outbox folder.

    The SMTP password is read from SHEETCRM_SMTP_PASSWORD only: a command-line argument would
    be visible to every user of the machine in the process list.
    """
    if getattr(args, "no_send", False):
        return None
    from automations.mail.outbox import OutboxMailer
    from automations.mail.smtp import SmtpMailer

    host = args.smtp_host or os.environ.get("SHEETCRM_SMTP_HOST")
    if not host:
        return OutboxMailer(args.outbox or default_outbox(args))
    security = args.smtp_security or os.environ.get("SHEETCRM_SMTP_SECURITY")
    port = _smtp_port(args, security)
    if security is None:
        security = "ssl" if port == 465 else "starttls"
    if security not in ("starttls", "ssl", "none"):
        raise ConfigurationError(f"SHEETCRM_SMTP_SECURITY={security!r}: use starttls, ssl or none.")
    return SmtpMailer(
        host=str(host),
        port=port,
        username=args.smtp_user or os.environ.get("SHEETCRM_SMTP_USER", ""),
        password=os.environ.get("SHEETCRM_SMTP_PASSWORD", ""),
        security=security,
    )


def build_handover_log(args: argparse.Namespace) -> HandoverLog:
    """The local hand-over record for the workbook (see automations.mail.handover_log).

    ``--state-dir`` or SHEETCRM_STATE_DIR names its folder. Otherwise a local workbook keeps it
    beside itself as a hidden file (it moves with the workbook), and a Google spreadsheet in
    ``$XDG_STATE_HOME/sheetcrm/<spreadsheet id>/`` (``~/.local/state`` when unset).
    """
    location = workbook_location(args)
    chosen = getattr(args, "state_dir", None) or os.environ.get("SHEETCRM_STATE_DIR")
    if chosen:
        return HandoverLog(Path(chosen) / "handover.jsonl")
    if location.spreadsheet is None:
        workbook = location.workbook.resolve()
        return HandoverLog(workbook.with_name(f".{workbook.name}.sheetcrm-handover.jsonl"))
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return HandoverLog(Path(state) / "sheetcrm" / location.spreadsheet / "handover.jsonl")


def _smtp_port(args: argparse.Namespace, security: str | None) -> int:
    if args.smtp_port is not None:
        where, text = "--smtp-port", str(args.smtp_port)
    else:
        where, text = "SHEETCRM_SMTP_PORT", os.environ.get("SHEETCRM_SMTP_PORT", "")
    if not text.strip():
        return 465 if security == "ssl" else 587
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ConfigurationError(
            f"{where}={text!r} is not a port number: use the SMTP port of your mail "
            "provider (587 for starttls, 465 for ssl)."
        )
    return port


def default_outbox(args: argparse.Namespace) -> Path:
    """outbox/ beside a local workbook, else in the current folder."""
    location = workbook_location(args)
    if not location.is_google:
        return location.workbook.resolve().parent / "outbox"
    return Path("outbox")


def journal_copy_path(args: argparse.Namespace) -> Path | None:
    """The file beside an .xlsx workbook that keeps the Mail log's key count (None on Sheets)."""
    from automations.mail.journal_check import copy_path

    location = workbook_location(args)
    return None if location.is_google else copy_path(location.workbook.resolve())


def lock_path(args: argparse.Namespace) -> Path:
    """The lock file `run` and `schedule` share for one workbook."""
    return Path(args.lock) if args.lock else default_lock(args)


def default_lock(args: argparse.Namespace) -> Path:
    """Beside a local workbook, else in the temporary folder, named by spreadsheet id."""
    location = workbook_location(args)
    spreadsheet = location.spreadsheet
    if spreadsheet is None:
        workbook = location.workbook.resolve()
        return workbook.with_name(f".{workbook.name}.sheetcrm.lock")
    import tempfile

    return Path(tempfile.gettempdir()) / f"sheetcrm-{spreadsheet}.lock"
