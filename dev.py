#!/usr/bin/env python3
"""Set up and run SheetCRM from a fresh checkout with nothing but Python 3.11+ and pip.

    python3 dev.py demo [sheetcrm demo options]   # demo workbook, one bot cycle, dashboard
    python3 dev.py test [pytest options]          # lint, type-check and the whole test suite

Both create ./.venv on first use and reinstall when pyproject.toml changes, and compile the
translation catalogs (sheet_schema/locales/*/LC_MESSAGES/sheetcrm.po -> .mo). `test` also installs
Debian's chromium for the browser tests when it can (root with apt-get); elsewhere those tests
skip and say why. Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")


def _run(command: list[str], **kwargs: object) -> None:
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project (editable) with the given extras, once per change."""
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs under any python3 a user has)
        sys.exit(f"SheetCRM needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    stamp = VENV / f".installed-{extras or 'base'}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    _run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target])
    stamp.write_text(wanted)


def compile_catalogs() -> None:
    """Compile the .po translation catalogs to .mo (build products, not kept in git)."""
    _run(
        [str(BIN / "pybabel"), "-q", "compile", "-d", "sheet_schema/locales", "-D", "sheetcrm"],
    )


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser tests when this machine allows it."""
    if CHROMIUM.exists() or os.environ.get("SHEETCRM_SKIP_BROWSER_INSTALL"):
        return
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not apt or not is_root:
        print(
            "Note: chromium is not installed and cannot be installed here (needs root and "
            "apt-get); the browser tests will be skipped.",
            flush=True,
        )
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run([apt, "-qq", "update"], env=env)
    _run(
        [apt, "-qq", "install", "-y", "--no-install-recommends", "chromium", "fonts-dejavu-core"],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def demo(arguments: list[str]) -> int:
    """Write the demo workbook, run one bot cycle, start the dashboard."""
    ensure_venv("")
    compile_catalogs()
    return subprocess.call([str(BIN / "sheetcrm"), "demo", *arguments], cwd=ROOT)


def test(arguments: list[str]) -> int:
    """Lint, type-check and run every test (browser tests included)."""
    ensure_venv("dev")
    compile_catalogs()
    ensure_chromium()
    steps = [
        [str(PYTHON), "-m", "ruff", "check", "."],
        [str(PYTHON), "-m", "ruff", "format", "--check", "."],
        [str(PYTHON), "-m", "mypy"],
        [str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadgroup", *arguments],
    ]
    for step in steps:
        print("+ " + " ".join(step[1:]), flush=True)
        code = subprocess.call(step, cwd=ROOT)
        if code != 0:
            return code
    return 0


def main() -> int:
    """Dispatch `demo` or `test`."""
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
