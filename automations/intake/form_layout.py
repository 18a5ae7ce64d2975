"""Which question of a form's answers tab is which Customers column, and which is the message.

The questions are matched like an imported file's headers (:mod:`automations.intake.mapping`:
Customers headers and aliases, any naming style), plus what Google Forms writes itself and what
website forms commonly ask, in the languages SheetCRM speaks: "Timestamp" / "Marca temporal",
"Email address" / "Dirección de correo electrónico", "Your name", "Phone number", "How did you
hear about us?" / "¿Cómo nos conociste?". The message question ("Message", "Mensaje") goes into
the interaction; every other question the Customers tab has no column for is kept there too, as
"Question: answer" lines, so nothing a person typed is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from automations.intake.mapping import ColumnMapping, guess_mapping, normalise_header
from sheet_schema.schema import Tab
from sheet_schema.side_tabs import mark_column

# The column Google Forms fills with the moment of each answer.
TIMESTAMP_QUESTIONS = (
    "Timestamp",
    "Marca temporal",
    "Marca de tiempo",
    "Carimbo de data/hora",
    "Data/hora",
    "Χρονική σήμανση",
)
# Questions whose answer is the message: it becomes the interaction's summary.
MESSAGE_QUESTIONS = (
    "Message",
    "Your message",
    "Comments",
    "Comment",
    "How can we help?",
    "How can we help you?",
    "Notes",
    "Mensaje",
    "Tu mensaje",
    "Comentarios",
    "¿En qué podemos ayudarte?",
    "Mensagem",
    "Sua mensagem",
    "Comentários",
    "Como podemos ajudar?",
    "Μήνυμα",
    "Το μήνυμά σας",
    "Σχόλια",
)
# What forms ask, beyond the Customers headers and aliases (crm.toml), by column key.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "name": (
        "Your name",
        "Name and surname",
        "First and last name",
        "Tu nombre",
        "Nombre y apellidos",
        "Nombre completo",
        "Seu nome",
        "Nome completo",
        "Το όνομά σας",
    ),
    "email": (
        "Your email",
        "Your email address",
        "Dirección de correo electrónico",
        "Tu correo electrónico",
        "Tu correo",
        "Seu e-mail",
        "Seu email",
        "Διεύθυνση ηλεκτρονικού ταχυδρομείου",
        "Email",
    ),
    "phone": (
        "Phone number",
        "Your phone",
        "Your phone number",
        "Número de teléfono",
        "Tu teléfono",
        "Número de telefone",
        "Seu telefone",
        "Αριθμός τηλεφώνου",
        "Κινητό",
    ),
    "source": (
        "How did you hear about us?",
        "How did you find us?",
        "Where did you hear about us?",
        "¿Cómo nos conociste?",
        "¿Cómo nos has conocido?",
        "¿Cómo supiste de nosotros?",
        "Como nos conheceu?",
        "Como você nos conheceu?",
        "Πώς μάθατε για εμάς;",
    ),
    "company": ("Your company", "Tu empresa", "Sua empresa", "Όνομα εταιρείας"),
}


@dataclass(frozen=True)
class FormLayout:
    """The columns of a form's answers tab: where the bot's column, the timestamp and the
    message are, which questions fill Customers columns, and the other questions."""

    header: tuple[str, ...]
    mark_at: int | None
    timestamp_at: int | None
    messages: tuple[int, ...]
    mapping: ColumnMapping

    def others(self) -> tuple[int, ...]:
        """Questions kept in the interaction as "Question: answer" lines."""
        own = {self.mark_at, self.timestamp_at, *self.messages}
        return tuple(i for i in sorted(self.mapping.extras) if i not in own)


def form_layout(customers: Tab, header: Sequence[str]) -> FormLayout:
    """How a form's header row reads (the questions as Google Forms wrote them)."""
    known = {normalise_header(q): key for key, qs in QUESTIONS.items() for q in qs}
    timestamps = {normalise_header(q) for q in TIMESTAMP_QUESTIONS}
    message_names = {normalise_header(q) for q in MESSAGE_QUESTIONS}
    mark_at = mark_column(header)
    overrides: dict[str, str] = {}
    timestamp_at: int | None = None
    messages: list[int] = []
    for index, text in enumerate(header):
        normal = normalise_header(text)
        if not normal:
            continue
        if index == mark_at:
            overrides[normal] = ""
        elif normal in timestamps and timestamp_at is None:
            timestamp_at = index
            overrides[normal] = ""
        elif normal in message_names:
            messages.append(index)
            overrides[normal] = ""
        elif normal in known and normal not in overrides:
            overrides[normal] = known[normal]
    # Only the first question naming a column fills it; a second one stays a question.
    taken: set[str] = set()
    for normal, key in list(overrides.items()):
        if key and key in taken:
            overrides[normal] = ""
        taken.add(key)
    mapping = guess_mapping(customers, list(header), overrides, [True] * len(header))
    # The moment of the answer is the customer's Created date; a question that looks like it
    # is kept as a question.
    for index, key in list(mapping.mapped.items()):
        if key == "created":
            del mapping.mapped[index]
            mapping.extras[index] = header[index].strip()
    return FormLayout(tuple(header), mark_at, timestamp_at, tuple(messages), mapping)
