"""Every sentence the bot writes into the workbook, in English, Spanish, Portuguese and Greek.

Rules never build sentences themselves: they produce a message code and its facts (``params``),
and :func:`render` turns them into text in the workbook's language (Settings ``Language``). The
catalog is a typed dict keyed by message code; each entry has the four languages and the same
``{placeholders}`` in each (a test checks this). Lists ("8, 9 or 10") and dates written for
people ("3 April 2024") come from Babel, so they follow each language's conventions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final

from babel.dates import format_date, get_month_names
from babel.lists import format_list
from babel.numbers import format_decimal

LANGUAGES: Final = ("en", "es", "pt", "el")
_LOCALES: Final = {"en": "en_GB", "es": "es_ES", "pt": "pt_PT", "el": "el_GR"}
_SHOWN_CHARACTERS: Final = 80

Catalog = Mapping[str, Mapping[str, str]]

CATALOG: Final[Catalog] = {
    # --- validation: cells ------------------------------------------------------------------
    "required.missing": {
        "en": "{column} is empty; this column is required.",
        "es": "{column} está vacío; esta columna es obligatoria.",
        "pt": "{column} está vazio; esta coluna é obrigatória.",
        "el": "{column}: είναι κενό· η στήλη είναι υποχρεωτική.",
    },
    "date.invalid": {
        "en": "{column}: '{value}' is not a date; type it like {example}.",
        "es": "{column}: '{value}' no es una fecha; escríbala como {example}.",
        "pt": "{column}: '{value}' não é uma data; escreva-a como {example}.",
        "el": "{column}: το '{value}' δεν είναι ημερομηνία· γράψτε την όπως {example}.",
    },
    "date.no_year": {
        "en": "{column}: '{value}' has no year; type the whole date, like {example}.",
        "es": "{column}: '{value}' no tiene año; escriba la fecha completa, como {example}.",
        "pt": "{column}: '{value}' não tem ano; escreva a data completa, como {example}.",
        "el": "{column}: το '{value}' δεν έχει έτος· γράψτε όλη την ημερομηνία, όπως {example}.",
    },
    "date.impossible_day": {
        "en": "{column}: '{value}' is not a real date: {month} {year} has no day {day}.",
        "es": "{column}: '{value}' no es una fecha real: {month} de {year} no tiene día {day}.",
        "pt": "{column}: '{value}' não é uma data real: {month} de {year} não tem dia {day}.",
        "el": "{column}: το '{value}' δεν είναι πραγματική ημερομηνία: ο μήνας {month} {year} "
        "δεν έχει ημέρα {day}.",
    },
    "date.impossible_month": {
        "en": "{column}: '{value}' is not a real date: there is no month {month}.",
        "es": "{column}: '{value}' no es una fecha real: no existe el mes {month}.",
        "pt": "{column}: '{value}' não é uma data real: não existe o mês {month}.",
        "el": "{column}: το '{value}' δεν είναι πραγματική ημερομηνία: δεν υπάρχει μήνας {month}.",
    },
    "date.ambiguous": {
        "en": "{column}: '{value}' can be read two ways; it was read as {read_as} (Settings, "
        "Date order {order}). Type {iso} to be sure.",
        "es": "{column}: '{value}' se puede leer de dos maneras; se ha leído como {read_as} "
        "(Settings, Date order {order}). Escriba {iso} para evitar dudas.",
        "pt": "{column}: '{value}' pode ser lido de duas maneiras; foi lido como {read_as} "
        "(Settings, Date order {order}). Escreva {iso} para não haver dúvida.",
        "el": "{column}: το '{value}' διαβάζεται με δύο τρόπους· διαβάστηκε ως {read_as} "
        "(Settings, Date order {order}). Γράψτε {iso} για σιγουριά.",
    },
    "date.future": {
        "en": "{column}: {value} is in the future.",
        "es": "{column}: {value} está en el futuro.",
        "pt": "{column}: {value} está no futuro.",
        "el": "{column}: η ημερομηνία {value} είναι στο μέλλον.",
    },
    "date.before": {
        "en": "{column}: {value} is before {other} ({other_value}).",
        "es": "{column}: {value} es anterior a {other} ({other_value}).",
        "pt": "{column}: {value} é anterior a {other} ({other_value}).",
        "el": "{column}: η ημερομηνία {value} είναι πριν από {other} ({other_value}).",
    },
    "time.invalid": {
        "en": "{column}: '{value}' has a time of day that does not exist.",
        "es": "{column}: '{value}' tiene una hora que no existe.",
        "pt": "{column}: '{value}' tem uma hora que não existe.",
        "el": "{column}: το '{value}' έχει ώρα που δεν υπάρχει.",
    },
    "cell.unreadable": {
        "en": "{column}: '{value}' cannot be read.",
        "es": "{column}: '{value}' no se puede leer.",
        "pt": "{column}: '{value}' não pode ser lido.",
        "el": "{column}: το '{value}' δεν μπορεί να διαβαστεί.",
    },
    "money.invalid": {
        "en": "{column}: '{value}' is not an amount; type it like {example}.",
        "es": "{column}: '{value}' no es un importe; escríbalo como {example}.",
        "pt": "{column}: '{value}' não é um valor; escreva-o como {example}.",
        "el": "{column}: το '{value}' δεν είναι ποσό· γράψτε το όπως {example}.",
    },
    "number.invalid": {
        "en": "{column}: '{value}' is not a number.",
        "es": "{column}: '{value}' no es un número.",
        "pt": "{column}: '{value}' não é um número.",
        "el": "{column}: το '{value}' δεν είναι αριθμός.",
    },
    "number.negative": {
        "en": "{column}: {value} is negative; expected 0 or more.",
        "es": "{column}: {value} es negativo; se espera 0 o más.",
        "pt": "{column}: {value} é negativo; espera-se 0 ou mais.",
        "el": "{column}: το {value} είναι αρνητικό· αναμένεται 0 ή περισσότερο.",
    },
    "choice.unknown": {
        "en": "{column}: '{value}' is not one of {allowed}.",
        "es": "{column}: '{value}' no es ninguno de {allowed}.",
        "pt": "{column}: '{value}' não é nenhum de {allowed}.",
        "el": "{column}: το '{value}' δεν είναι ένα από {allowed}.",
    },
    "choice.suggest": {
        "en": "{column}: '{value}' is not one of {allowed}. Did you mean {suggestion}?",
        "es": "{column}: '{value}' no es ninguno de {allowed}. ¿Quería decir {suggestion}?",
        "pt": "{column}: '{value}' não é nenhum de {allowed}. Queria dizer {suggestion}?",
        "el": "{column}: το '{value}' δεν είναι ένα από {allowed}. Μήπως εννοείτε {suggestion};",
    },
    "boolean.invalid": {
        "en": "{column}: '{value}' is not yes or no; type {yes} or {no}.",
        "es": "{column}: '{value}' no es sí o no; escriba {yes} o {no}.",
        "pt": "{column}: '{value}' não é sim ou não; escreva {yes} ou {no}.",
        "el": "{column}: το '{value}' δεν είναι ναι ή όχι· γράψτε {yes} ή {no}.",
    },
    # --- validation: emails and phones ------------------------------------------------------
    "email.at": {
        "en": "{column}: '{value}' is not an email address: it needs exactly one @.",
        "es": "{column}: '{value}' no es un correo electrónico: necesita exactamente una @.",
        "pt": "{column}: '{value}' não é um endereço de email: precisa de exatamente uma @.",
        "el": "{column}: το '{value}' δεν είναι διεύθυνση email: χρειάζεται ακριβώς ένα @.",
    },
    "email.domain": {
        "en": "{column}: '{value}': the part after the @ is not a valid domain (like example.com).",
        "es": "{column}: '{value}': lo que sigue a la @ no es un dominio válido (como ejemplo.es).",
        "pt": "{column}: '{value}': o que vem depois da @ não é um domínio válido "
        "(como exemplo.pt).",
        "el": "{column}: '{value}': το μέρος μετά το @ δεν είναι έγκυρο domain (όπως example.gr).",
    },
    "email.local": {
        "en": "{column}: '{value}': the part before the @ has characters an address cannot have.",
        "es": "{column}: '{value}': lo que precede a la @ tiene caracteres no permitidos.",
        "pt": "{column}: '{value}': o que vem antes da @ tem caracteres não permitidos.",
        "el": "{column}: '{value}': το μέρος πριν από το @ έχει μη επιτρεπτούς χαρακτήρες.",
    },
    "email.invalid": {
        "en": "{column}: '{value}' is not a valid email address.",
        "es": "{column}: '{value}' no es un correo electrónico válido.",
        "pt": "{column}: '{value}' não é um endereço de email válido.",
        "el": "{column}: το '{value}' δεν είναι έγκυρη διεύθυνση email.",
    },
    "phone.unreadable": {
        "en": "{column}: '{value}' is not a phone number.",
        "es": "{column}: '{value}' no es un número de teléfono.",
        "pt": "{column}: '{value}' não é um número de telefone.",
        "el": "{column}: το '{value}' δεν είναι αριθμός τηλεφώνου.",
    },
    "phone.length": {
        "en": "{column}: {value} has {digits} digits after +{code}; expected {expected}.",
        "es": "{column}: {value} tiene {digits} dígitos después de +{code}; se esperan {expected}.",
        "pt": "{column}: {value} tem {digits} dígitos depois de +{code}; esperam-se {expected}.",
        "el": "{column}: το {value} έχει {digits} ψηφία μετά το +{code}· αναμένονται {expected}.",
    },
    "phone.invalid": {
        "en": "{column}: {value} is not a valid number in {country}.",
        "es": "{column}: {value} no es un número válido en {country}.",
        "pt": "{column}: {value} não é um número válido em {country}.",
        "el": "{column}: το {value} δεν είναι έγκυρος αριθμός για {country}.",
    },
    "country.unknown": {
        "en": "{column}: '{value}' is not a country name or two-letter code; phone numbers "
        "without +code are read as {default}.",
        "es": "{column}: '{value}' no es un país ni un código de dos letras; los teléfonos sin "
        "+prefijo se leen como de {default}.",
        "pt": "{column}: '{value}' não é um país nem um código de duas letras; os telefones sem "
        "+indicativo são lidos como de {default}.",
        "el": "{column}: το '{value}' δεν είναι χώρα ή κωδικός δύο γραμμάτων· τα τηλέφωνα χωρίς "
        "+κωδικό διαβάζονται ως {default}.",
    },
    # --- validation: across rows ------------------------------------------------------------
    "duplicate.email": {
        "en": "{column}: {value} is also the email of {others}; is this the same customer?",
        "es": "{column}: {value} es también el correo de {others}; ¿es el mismo cliente?",
        "pt": "{column}: {value} é também o email de {others}; é o mesmo cliente?",
        "el": "{column}: το {value} είναι και το email του {others}· είναι ο ίδιος πελάτης;",
    },
    "duplicate.phone": {
        "en": "{column}: {value} is the same number as {others} ({e164}); is this the same "
        "customer?",
        "es": "{column}: {value} es el mismo número que {others} ({e164}); ¿es el mismo cliente?",
        "pt": "{column}: {value} é o mesmo número que {others} ({e164}); é o mesmo cliente?",
        "el": "{column}: το {value} είναι ο ίδιος αριθμός με {others} ({e164})· είναι ο ίδιος "
        "πελάτης;",
    },
    "ref.missing": {
        "en": "{column}: {value} is not the ID of any row in {tab}.",
        "es": "{column}: {value} no es el ID de ninguna fila de {tab}.",
        "pt": "{column}: {value} não é o ID de nenhuma linha de {tab}.",
        "el": "{column}: το {value} δεν είναι ID καμίας γραμμής του {tab}.",
    },
    "ref.mismatch": {
        "en": "{column}: deal {value} belongs to customer {owner}, not to {customer}.",
        "es": "{column}: la oportunidad {value} es del cliente {owner}, no de {customer}.",
        "pt": "{column}: o negócio {value} é do cliente {owner}, não de {customer}.",
        "el": "{column}: η ευκαιρία {value} ανήκει στον πελάτη {owner}, όχι στον {customer}.",
    },
    "template.syntax": {
        "en": "{column}: the template does not compile (line {line}): {error}.",
        "es": "{column}: la plantilla no compila (línea {line}): {error}.",
        "pt": "{column}: o modelo não compila (linha {line}): {error}.",
        "el": "{column}: το πρότυπο δεν μεταγλωττίζεται (γραμμή {line}): {error}.",
    },
    "template.unknown": {
        "en": "{column}: there is no template with key '{value}' in Templates.",
        "es": "{column}: no hay ninguna plantilla con clave '{value}' en Templates.",
        "pt": "{column}: não há nenhum modelo com a chave '{value}' em Templates.",
        "el": "{column}: δεν υπάρχει πρότυπο με κλειδί '{value}' στο Templates.",
    },
    # --- reminders --------------------------------------------------------------------------
    "reminder.overdue": {
        "en": "Overdue follow-up: {deal} {stage} since {date}",
        "es": "Seguimiento atrasado: {deal} {stage} desde {date}",
        "pt": "Acompanhamento em atraso: {deal} {stage} desde {date}",
        "el": "Καθυστερημένη παρακολούθηση: {deal} {stage} από {date}",
    },
    "reminder.birthday": {
        "en": "Birthday on {date}",
        "es": "Cumpleaños el {date}",
        "pt": "Aniversário a {date}",
        "el": "Γενέθλια στις {date}",
    },
    "reminder.anniversary": {
        "en": "Purchase anniversary on {date} (first purchase {first})",
        "es": "Aniversario de compra el {date} (primera compra {first})",
        "pt": "Aniversário de compra a {date} (primeira compra {first})",
        "el": "Επέτειος αγοράς στις {date} (πρώτη αγορά {first})",
    },
    "reminder.complaint": {
        "en": "Unanswered complaint {interaction} of {date}",
        "es": "Queja sin respuesta {interaction} del {date}",
        "pt": "Reclamação sem resposta {interaction} de {date}",
        "el": "Αναπάντητο παράπονο {interaction} της {date}",
    },
    "reminder.more": {
        "en": "{text} (+{count} more)",
        "es": "{text} (+{count} más)",
        "pt": "{text} (+{count} mais)",
        "el": "{text} (+{count} ακόμη)",
    },
    # --- campaigns: segment filters ---------------------------------------------------------
    "segment.bad_clause": {
        "en": "{column}: '{clause}' is not a condition; write it like Country = ES and "
        "Lifecycle != Lost.",
        "es": "{column}: '{clause}' no es una condición; escríbala como Country = ES y "
        "Lifecycle != Lost.",
        "pt": "{column}: '{clause}' não é uma condição; escreva-a como Country = PT e "
        "Lifecycle != Lost.",
        "el": "{column}: το '{clause}' δεν είναι συνθήκη· γράψτε την όπως Country = GR και "
        "Lifecycle != Lost.",
    },
    "segment.unknown_column": {
        "en": "{column}: '{name}' in '{clause}' is not a column of Customers.",
        "es": "{column}: '{name}' en '{clause}' no es una columna de Customers.",
        "pt": "{column}: '{name}' em '{clause}' não é uma coluna de Customers.",
        "el": "{column}: το '{name}' στο '{clause}' δεν είναι στήλη του Customers.",
    },
    "segment.unknown_column_suggest": {
        "en": "{column}: '{name}' in '{clause}' is not a column of Customers. "
        "Did you mean {suggestion}?",
        "es": "{column}: '{name}' en '{clause}' no es una columna de Customers. "
        "¿Quería decir {suggestion}?",
        "pt": "{column}: '{name}' em '{clause}' não é uma coluna de Customers. "
        "Queria dizer {suggestion}?",
        "el": "{column}: το '{name}' στο '{clause}' δεν είναι στήλη του Customers. "
        "Μήπως εννοείτε {suggestion};",
    },
    "segment.no_value": {
        "en": "{column}: '{clause}' has no value after {operator}.",
        "es": "{column}: '{clause}' no tiene ningún valor después de {operator}.",
        "pt": "{column}: '{clause}' não tem nenhum valor depois de {operator}.",
        "el": "{column}: το '{clause}' δεν έχει τιμή μετά το {operator}.",
    },
    "segment.bad_value": {
        "en": "{column}: in '{clause}', '{value}' is not one of {allowed}.",
        "es": "{column}: en '{clause}', '{value}' no es ninguno de {allowed}.",
        "pt": "{column}: em '{clause}', '{value}' não é nenhum de {allowed}.",
        "el": "{column}: στο '{clause}', το '{value}' δεν είναι ένα από {allowed}.",
    },
    # --- the managers' daily digest ---------------------------------------------------------
    "digest.subject": {
        "en": "Your customers' reminders for {date}: {count}",
        "es": "Recordatorios de sus clientes para el {date}: {count}",
        "pt": "Lembretes dos seus clientes para {date}: {count}",
        "el": "Υπενθυμίσεις των πελατών σας για {date}: {count}",
    },
    "digest.greeting": {
        "en": "Hello {manager},",
        "es": "Hola, {manager}:",
        "pt": "Olá {manager},",
        "el": "Γεια σας {manager},",
    },
    "digest.intro": {
        "en": "These reminders about your customers are due today ({date}) or overdue:",
        "es": "Estos recordatorios de sus clientes vencen hoy ({date}) o están atrasados:",
        "pt": "Estes lembretes dos seus clientes vencem hoje ({date}) ou estão em atraso:",
        "el": "Αυτές οι υπενθυμίσεις για τους πελάτες σας λήγουν σήμερα ({date}) ή έχουν "
        "καθυστερήσει:",
    },
    "digest.follow_up_today": {
        "en": "Follow-up due today: {deal} {stage}",
        "es": "Seguimiento para hoy: {deal} {stage}",
        "pt": "Acompanhamento para hoje: {deal} {stage}",
        "el": "Παρακολούθηση για σήμερα: {deal} {stage}",
    },
    # --- lifecycle --------------------------------------------------------------------------
    "lifecycle.lost": {
        "en": "Every deal was lost ({count}) and nothing was bought.",
        "es": "Se perdieron todas las oportunidades ({count}) y no hubo compras.",
        "pt": "Todos os negócios foram perdidos ({count}) e não houve compras.",
        "el": "Χάθηκαν όλες οι ευκαιρίες ({count}) και δεν έγινε αγορά.",
    },
    "lifecycle.active": {
        "en": "Bought before; last purchase or contact on {date}.",
        "es": "Ya compró; última compra o contacto el {date}.",
        "pt": "Já comprou; última compra ou contacto a {date}.",
        "el": "Έχει αγοράσει· τελευταία αγορά ή επαφή στις {date}.",
    },
    "lifecycle.bought": {
        "en": "Bought before; no purchase or contact has a date yet.",
        "es": "Ya compró; ninguna compra o contacto tiene fecha todavía.",
        "pt": "Já comprou; nenhuma compra ou contacto tem data ainda.",
        "el": "Έχει αγοράσει· καμία αγορά ή επαφή δεν έχει ακόμη ημερομηνία.",
    },
    "lifecycle.lead_open": {
        "en": "No purchase yet; open deal {deal}.",
        "es": "Sin compras todavía; oportunidad abierta {deal}.",
        "pt": "Ainda sem compras; negócio aberto {deal}.",
        "el": "Καμία αγορά ακόμη· ανοιχτή ευκαιρία {deal}.",
    },
    "lifecycle.lead_recent": {
        "en": "No purchase yet; last contact or new record on {date}.",
        "es": "Sin compras todavía; último contacto o alta el {date}.",
        "pt": "Ainda sem compras; último contacto ou registo a {date}.",
        "el": "Καμία αγορά ακόμη· τελευταία επαφή ή καταχώριση στις {date}.",
    },
    "lifecycle.lead_new": {
        "en": "No purchase, deal or contact recorded yet.",
        "es": "Todavía no hay compras, oportunidades ni contactos.",
        "pt": "Ainda não há compras, negócios nem contactos.",
        "el": "Δεν έχουν καταγραφεί ακόμη αγορές, ευκαιρίες ή επαφές.",
    },
    "lifecycle.dormant": {
        "en": "No purchase or contact since {date} (more than {days} days).",
        "es": "Sin compras ni contacto desde el {date} (más de {days} días).",
        "pt": "Sem compras nem contacto desde {date} (mais de {days} dias).",
        "el": "Καμία αγορά ή επαφή από τις {date} (πάνω από {days} ημέρες).",
    },
    "lifecycle.churned": {
        "en": "No purchase or contact since {date} (more than {days} days).",
        "es": "Sin compras ni contacto desde el {date} (más de {days} días).",
        "pt": "Sem compras nem contacto desde {date} (mais de {days} dias).",
        "el": "Καμία αγορά ή επαφή από τις {date} (πάνω από {days} ημέρες).",
    },
}

_YES_NO: Final = {
    "en": ("yes", "no"),
    "es": ("sí", "no"),
    "pt": ("sim", "não"),
    "el": ("ναι", "όχι"),
}


def language_of(code: str) -> str:
    """The catalog language for a Settings language (English when unknown)."""
    return code if code in LANGUAGES else "en"


def render(code: str, language: str, params: Mapping[str, object]) -> str:
    """The sentence for a message code in a language, with its placeholders filled.

    An unknown code is a programming error (KeyError); a missing placeholder too, so a test that
    renders every code catches it.
    """
    entry = CATALOG[code]
    return entry[language_of(language)].format_map({k: shown(v) for k, v in params.items()})


def shown(value: object, limit: int = _SHOWN_CHARACTERS) -> str:
    """A value as quoted in a sentence: on one line, and cut with an ellipsis when very long.

    Line breaks typed in a cell would split one problem over several lines of the Problems cell.
    """
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def locale_of(language: str) -> str:
    """The Babel locale used for numbers, dates and lists in a language."""
    return _LOCALES[language_of(language)]


def or_list(items: Sequence[str], language: str) -> str:
    """ "8, 9 or 10" in the language."""
    return str(format_list(list(items), style="or", locale=locale_of(language)))


def and_list(items: Sequence[str], language: str) -> str:
    """ "C-0001, C-0002 and C-0003" in the language."""
    return str(format_list(list(items), locale=locale_of(language)))


def long_date(day: date, language: str) -> str:
    """A date spelled out so that it cannot be misread ("3 April 2024")."""
    return str(format_date(day, format="long", locale=locale_of(language)))


def month_name(month: int, language: str) -> str:
    """The name of a month (1-12) as it stands alone in the language."""
    names = get_month_names("wide", context="stand-alone", locale=locale_of(language))
    return str(names[month])


def money_example(language: str) -> str:
    """1234.5 as an amount is typed in the language's convention ("1.234,50" in Spanish)."""
    return str(format_decimal(1234.5, format="#,##0.00", locale=locale_of(language)))


def yes_no(language: str) -> tuple[str, str]:
    """The words for yes and no that the bot reads back as true and false."""
    return _YES_NO[language_of(language)]
