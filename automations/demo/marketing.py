"""The demo's marketing tabs: Sources cost rows, Templates, Automations and Campaigns.

Templates are Jinja2 in four languages and use only the variables listed in
:mod:`automations.demo.generate`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from automations.demo.business import SOURCES
from automations.demo.typed_cells import maybe_text_amount


def source_cost_rows(rng: random.Random, customers: int, today: date) -> list[dict[str, object]]:
    """One row per month and paid source over the last 12 months; costs scale with customers."""
    scale = customers / 300
    first = today.replace(day=1)
    months = []
    for back in range(11, -1, -1):
        year, index = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(year, index + 1, 1))
    rows: list[dict[str, object]] = []
    for month in months:
        for source in SOURCES:
            if source.monthly_cost is None:
                continue
            cost = round(source.monthly_cost * scale * rng.uniform(0.8, 1.2), 2)
            rows.append(
                {
                    "month": month,  # a first of the month typed as text always reads two ways
                    "source": source.name,
                    "cost": maybe_text_amount(rng, cost),
                    "notes": "Trade fair stand and travel" if source.name == "Event" else None,
                }
            )
    return rows


_TEMPLATE_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "welcome": {
        "en": (
            "Welcome to Costa Digital Studio, {{ customer.name }}!",
            "Hello {{ customer.name }},\n\nThank you for choosing us"
            "{% if customer.company %} for {{ customer.company }}{% endif %}. "
            "Reply to this email whenever you need us.\n\n{{ sender.name }}",
        ),
        "es": (
            "¡Bienvenido/a, {{ customer.name }}!",
            "Hola {{ customer.name }}:\n\nGracias por confiar en nosotros"
            "{% if customer.company %} para {{ customer.company }}{% endif %}. "
            "Responde a este correo cuando nos necesites.\n\n{{ sender.name }}",
        ),
        "pt": (
            "Bem-vindo/a, {{ customer.name }}!",
            "Olá {{ customer.name }},\n\nObrigado por confiar em nós"
            "{% if customer.company %} para a {{ customer.company }}{% endif %}. "
            "Responda a este email sempre que precisar.\n\n{{ sender.name }}",
        ),
        "el": (
            "Καλώς ήρθατε, {{ customer.name }}!",
            "Γεια σας {{ customer.name }},\n\nΣας ευχαριστούμε που μας επιλέξατε"
            "{% if customer.company %} για την {{ customer.company }}{% endif %}. "
            "Απαντήστε σε αυτό το email όποτε μας χρειαστείτε.\n\n{{ sender.name }}",
        ),
    },
    "birthday": {
        "en": (
            "Happy birthday, {{ customer.name }}!",
            "Dear {{ customer.name }},\n\nEveryone here wishes you a very happy birthday."
            "\n\n{{ sender.name }}",
        ),
        "es": (
            "¡Feliz cumpleaños, {{ customer.name }}!",
            "Querido/a {{ customer.name }}:\n\nTodo el equipo te desea un feliz cumpleaños."
            "\n\n{{ sender.name }}",
        ),
        "pt": (
            "Feliz aniversário, {{ customer.name }}!",
            "Caro/a {{ customer.name }},\n\nToda a equipa deseja-lhe um feliz aniversário."
            "\n\n{{ sender.name }}",
        ),
        "el": (
            "Χρόνια πολλά, {{ customer.name }}!",
            "Αγαπητέ/ή {{ customer.name }},\n\nΌλη η ομάδα σας εύχεται χρόνια πολλά."
            "\n\n{{ sender.name }}",
        ),
    },
    "follow_up": {
        "en": (
            "About {{ deal.title }}",
            "Hello {{ customer.name }},\n\nI wanted to follow up on {{ deal.title }}. "
            "Do you have any questions, or shall we go ahead?\n\n{{ sender.name }}",
        ),
        "es": (
            "Sobre {{ deal.title }}",
            "Hola {{ customer.name }}:\n\nTe escribo para retomar {{ deal.title }}. "
            "¿Tienes alguna pregunta o seguimos adelante?\n\n{{ sender.name }}",
        ),
        "pt": (
            "Sobre {{ deal.title }}",
            "Olá {{ customer.name }},\n\nEscrevo para dar seguimento a {{ deal.title }}. "
            "Tem alguma dúvida ou avançamos?\n\n{{ sender.name }}",
        ),
        "el": (
            "Σχετικά με {{ deal.title }}",
            "Γεια σας {{ customer.name }},\n\nΕπικοινωνώ για {{ deal.title }}. "
            "Έχετε κάποια ερώτηση ή προχωράμε;\n\n{{ sender.name }}",
        ),
    },
    "anniversary": {
        "en": (
            "One more year together, {{ customer.name }}",
            "Hello {{ customer.name }},\n\nAnother year since you became our customer"
            "{% if customer.company %} with {{ customer.company }}{% endif %}. Thank you!"
            "\n\n{{ sender.name }}",
        ),
        "es": (
            "Un año más juntos, {{ customer.name }}",
            "Hola {{ customer.name }}:\n\nSe cumple otro año desde que eres cliente"
            "{% if customer.company %} con {{ customer.company }}{% endif %}. ¡Gracias!"
            "\n\n{{ sender.name }}",
        ),
        "pt": (
            "Mais um ano juntos, {{ customer.name }}",
            "Olá {{ customer.name }},\n\nFaz mais um ano que é nosso cliente"
            "{% if customer.company %} com a {{ customer.company }}{% endif %}. Obrigado!"
            "\n\n{{ sender.name }}",
        ),
        "el": (
            "Ακόμη ένας χρόνος μαζί, {{ customer.name }}",
            "Γεια σας {{ customer.name }},\n\nΣυμπληρώνεται ακόμη ένας χρόνος συνεργασίας"
            "{% if customer.company %} με την {{ customer.company }}{% endif %}. Ευχαριστούμε!"
            "\n\n{{ sender.name }}",
        ),
    },
    "dormant": {
        "en": (
            "We miss you, {{ customer.name }}",
            "Hello {{ customer.name }},\n\nIt has been a while. Is there anything we can help "
            "you with?\n\n{{ sender.name }}",
        ),
        "es": (
            "Te echamos de menos, {{ customer.name }}",
            "Hola {{ customer.name }}:\n\nHace tiempo que no hablamos. ¿Podemos ayudarte en "
            "algo?\n\n{{ sender.name }}",
        ),
        "pt": (
            "Temos saudades, {{ customer.name }}",
            "Olá {{ customer.name }},\n\nJá faz algum tempo. Podemos ajudar em alguma coisa?"
            "\n\n{{ sender.name }}",
        ),
        "el": (
            "Μας λείψατε, {{ customer.name }}",
            "Γεια σας {{ customer.name }},\n\nΠέρασε καιρός. Μπορούμε να σας βοηθήσουμε σε κάτι;"
            "\n\n{{ sender.name }}",
        ),
    },
    "newsletter": {
        "en": (
            "News from {{ sender.name }}",
            "Hello {{ customer.name }},\n\nThis season: faster websites, a new online shop "
            "package and a free review of your site.\n\n{{ sender.name }}",
        ),
        "es": (
            "Novedades de {{ sender.name }}",
            "Hola {{ customer.name }}:\n\nEsta temporada: webs más rápidas, un nuevo paquete de "
            "tienda online y una revisión gratuita de tu web.\n\n{{ sender.name }}",
        ),
        "pt": (
            "Novidades da {{ sender.name }}",
            "Olá {{ customer.name }},\n\nEsta estação: sites mais rápidos, um novo pacote de "
            "loja online e uma revisão gratuita do seu site.\n\n{{ sender.name }}",
        ),
        "el": (
            "Νέα από {{ sender.name }}",
            "Γεια σας {{ customer.name }},\n\nΑυτή τη σεζόν: ταχύτερες ιστοσελίδες, νέο πακέτο "
            "ηλεκτρονικού καταστήματος και δωρεάν έλεγχος της σελίδας σας.\n\n{{ sender.name }}",
        ),
    },
}

_AUTOMATIONS: tuple[tuple[str, str, int, object], ...] = (
    ("welcome", "welcome", 1, True),
    ("birthday", "birthday", 0, True),
    ("anniversary", "anniversary", 0, "yes"),
    ("dormant", "dormant", 0, True),
    ("follow-up", "follow_up", 2, True),
)


def template_rows() -> list[dict[str, object]]:
    """One Templates row per key and language."""
    return [
        {"key": key, "language": language, "subject": subject, "body": body}
        for key, languages in _TEMPLATE_TEXT.items()
        for language, (subject, body) in languages.items()
    ]


def automation_rows() -> list[dict[str, object]]:
    """The Automations rows (one is enabled with "yes", as people type it)."""
    return [
        {"kind": kind, "template": template, "offset_days": offset, "enabled": enabled}
        for kind, template, offset, enabled in _AUTOMATIONS
    ]


def campaign_rows(today: date) -> list[dict[str, object]]:
    """Three Campaigns: approved, not approved, and not yet decided (send date typed as text)."""
    return [
        {
            "name": "Seasonal newsletter",
            "segment_filter": "Lifecycle = Active",
            "template": "newsletter",
            "send_on": today + timedelta(days=3),
            "approved": True,
        },
        {
            "name": "Win back dormant customers",
            "segment_filter": "Lifecycle = Dormant",
            "template": "dormant",
            "send_on": today + timedelta(days=14),
            "approved": False,
        },
        {
            "name": "Oferta clientes España",
            "segment_filter": "Language = es",
            "template": "newsletter",
            "send_on": (today + timedelta(days=30)).strftime("%d/%m/%Y"),
            "approved": None,
        },
    ]
