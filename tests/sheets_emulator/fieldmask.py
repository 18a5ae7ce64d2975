"""Partial responses: the ``fields`` parameter (``sheets.properties.title``,
``sheets(properties,data)``, ``sheets/data/rowData/values/note``) applied to a JSON body."""

from __future__ import annotations

from typing import Any

Mask = dict[str, "Mask"]


def parse_mask(text: str) -> Mask:
    """Parse a fields mask into a tree; an empty subtree means "the whole value"."""
    mask: Mask = {}
    pos = 0

    def parse_list(target: Mask, end_char: str | None) -> None:
        nonlocal pos
        while pos < len(text):
            name_start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            path = [p for p in text[name_start:pos].strip().replace("/", ".").split(".") if p]
            node = target
            for part in path:
                node = node.setdefault(part, {})
            if pos < len(text) and text[pos] == "(":
                pos += 1
                parse_list(node, ")")
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == ")":
                if end_char == ")":
                    pos += 1
                    return
                pos += 1
            if pos >= len(text):
                return

    parse_list(mask, None)
    return mask


def apply_mask(value: Any, mask: Mask) -> Any:
    """Keep only the masked fields; lists are filtered element by element."""
    if not mask or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(v, mask) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in mask.items():
            if key in value:
                out[key] = apply_mask(value[key], sub)
        return out
    return value
