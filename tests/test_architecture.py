"""The package structure: imports go one way (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_imports_go_one_way() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    # A copy of the packages where the dashboard reaches into the bot's command line, as it did
    # before the restructuring: the contracts must reject it.
    for package in ("sheet_schema", "automations", "dashboard"):
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path / package)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    app = tmp_path / "dashboard" / "app.py"
    app.write_text("from automations.cli import main\n" + app.read_text())
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "the dashboard imports nothing from the bot BROKEN" in result.stdout
