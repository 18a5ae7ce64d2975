"""Display names of the canonical values the workbook keeps in English.

Deal stages and lifecycle stages are the choices of crm.toml; RFM segments are the names the bot
writes (automations.rules.segments). They stay English in the sheet, because the bot and the
campaign filters read them; a person reading the dashboard in another language sees them
translated. A value the team typed that is not canonical is shown as typed. Tests check these
lists against crm.toml and the segment table.
"""

from __future__ import annotations

from typing import Final

from sheet_schema.translation import Np_, Text, translated

STAGES: Final = (
    Np_("stage", "Lead"),
    Np_("stage", "Qualified"),
    Np_("stage", "Proposal"),
    Np_("stage", "Negotiation"),
    Np_("stage", "Won"),
    Np_("stage", "Lost"),
)
LIFECYCLES: Final = (
    Np_("lifecycle", "Lead"),
    Np_("lifecycle", "Active"),
    Np_("lifecycle", "Dormant"),
    Np_("lifecycle", "Lost"),
    Np_("lifecycle", "Churned"),
)
SEGMENTS: Final = (
    Np_("segment", "Champions"),
    Np_("segment", "Loyal"),
    Np_("segment", "Potential loyalist"),
    Np_("segment", "New"),
    Np_("segment", "Promising"),
    Np_("segment", "Need attention"),
    Np_("segment", "About to sleep"),
    Np_("segment", "At risk"),
    Np_("segment", "Can't lose"),
    Np_("segment", "Hibernating"),
    Np_("segment", "Lost"),
)

_BY_KIND: Final[dict[str, dict[str, Text]]] = {
    kind: {text.msgid: text for text in texts}
    for kind, texts in (("stage", STAGES), ("lifecycle", LIFECYCLES), ("segment", SEGMENTS))
}


def canonical_values(kind: str) -> tuple[str, ...]:
    """The English values of a kind ("stage", "lifecycle" or "segment"), in order."""
    return tuple(_BY_KIND[kind])


def choice_label(kind: str, value: str, language: str) -> str:
    """A stage, lifecycle stage or segment as a reader of ``language`` sees it.

    Canonical values are translated (with the kind as context: the stage "Lost" and the segment
    "Lost" can differ); anything else is shown exactly as typed.
    """
    text = _BY_KIND[kind].get(value)
    return value if text is None else translated(text, language)
