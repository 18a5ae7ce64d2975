"""The Settings keys the code looks up by name, found by reading the packages' source.

Typed settings are fields of :class:`sheet_schema.settings.Settings`; other features read their
own keys with ``settings.get("Some key")``. Both the `init` test and the README test use this, so
a key added to the code without a Settings row or a README line fails a test.
"""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

from sheet_schema.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sheet_schema", "automations", "dashboard")


def folded(key: str) -> str:
    """A key as the Settings tab matches it: no case, spaces, dashes or underscores."""
    return re.sub(r"[\s_\-]+", "", key.casefold())


def looked_up_keys() -> tuple[set[str], set[str]]:
    """(keys, prefixes): string keys of ``<...>settings.get(...)`` calls in the packages' source,
    and the constant beginnings of f-string keys (families such as ``Manager email <name>``)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "get"
                    and ast.unparse(node.func.value).endswith("settings")
                    and node.args
                ):
                    continue
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.add(key.value)
                elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                    prefixes.add(str(key.values[0].value).strip())
    return keys, prefixes


def typed_keys() -> set[str]:
    """Folded keys of the typed settings: one per Settings field, one per SLA stage."""
    found = {
        f.name.replace("_", "") for f in fields(Settings) if f.name not in ("raw", "stage_sla_days")
    }
    found |= {folded(f"SLA {stage} days") for stage in Settings().stage_sla_days}
    return found
