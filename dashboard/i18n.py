# ruff: noqa: E501  (a translation table reads best one phrase a line)
"""The dashboard's words in English, Spanish, Portuguese and Greek; dates and money via Babel.

Text that came from the sheet (names, notes, stage and source values) is data and is not
translated here; only the interface is.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("en", "es", "pt", "el")
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português", "el": "Ελληνικά"}
LOCALES = {"en": "en_GB", "es": "es_ES", "pt": "pt_PT", "el": "el_GR"}
DASH = "–"

# key: (English, Spanish, Portuguese, Greek)
STRINGS: dict[str, tuple[str, str, str, str]] = {
    "app.title": (
        "SheetCRM dashboard",
        "Panel de SheetCRM",
        "Painel do SheetCRM",
        "Πίνακας SheetCRM",
    ),
    "page.overview": ("Overview", "Resumen", "Visão geral", "Επισκόπηση"),
    "page.funnel": ("Funnel", "Embudo", "Funil", "Χοάνη πωλήσεων"),
    "page.sources": (
        "Marketing sources",
        "Fuentes de marketing",
        "Fontes de marketing",
        "Πηγές μάρκετινγκ",
    ),
    "page.customers": ("Customers", "Clientes", "Clientes", "Πελάτες"),
    "page.reminders": ("Reminders", "Recordatorios", "Lembretes", "Υπενθυμίσεις"),
    "page.mailings": ("Mailings", "Envíos", "Envios", "Αποστολές"),
    "page.quality": (
        "Data quality",
        "Calidad de datos",
        "Qualidade dos dados",
        "Ποιότητα δεδομένων",
    ),
    "sidebar.language": ("Language", "Idioma", "Idioma", "Γλώσσα"),
    "sidebar.period": ("Period", "Periodo", "Período", "Περίοδος"),
    "sidebar.from_to": ("From – to", "Desde – hasta", "De – até", "Από – έως"),
    "sidebar.managers": ("Managers", "Responsables", "Responsáveis", "Υπεύθυνοι"),
    "sidebar.sources": ("Sources", "Fuentes", "Fontes", "Πηγές"),
    "sidebar.all": ("All", "Todos", "Todos", "Όλοι"),
    "sidebar.refresh": (
        "Refresh data",
        "Actualizar datos",
        "Atualizar dados",
        "Ανανέωση δεδομένων",
    ),
    "sidebar.read_at": (
        "Data read {when}",
        "Datos leídos {when}",
        "Dados lidos {when}",
        "Δεδομένα {when}",
    ),
    "sidebar.logout": ("Log out", "Cerrar sesión", "Terminar sessão", "Αποσύνδεση"),
    "period.30d": ("Last 30 days", "Últimos 30 días", "Últimos 30 dias", "Τελευταίες 30 ημέρες"),
    "period.90d": ("Last 90 days", "Últimos 90 días", "Últimos 90 dias", "Τελευταίες 90 ημέρες"),
    "period.12m": ("Last 12 months", "Últimos 12 meses", "Últimos 12 meses", "Τελευταίοι 12 μήνες"),
    "period.ytd": ("This year", "Este año", "Este ano", "Φέτος"),
    "period.all": ("All time", "Todo", "Sempre", "Όλα"),
    "period.custom": ("Custom", "Personalizado", "Personalizado", "Προσαρμογή"),
    "period.shown": ("{start} – {end}", "{start} – {end}", "{start} – {end}", "{start} – {end}"),
    "kpi.new_leads": ("New leads", "Nuevos contactos", "Novos contactos", "Νέοι υποψήφιοι"),
    "kpi.new_deals": ("New deals", "Nuevas oportunidades", "Novos negócios", "Νέες ευκαιρίες"),
    "kpi.deals_won": (
        "Deals won",
        "Oportunidades ganadas",
        "Negócios ganhos",
        "Κερδισμένες ευκαιρίες",
    ),
    "kpi.won_revenue": ("Won revenue", "Ingresos ganados", "Receita ganha", "Έσοδα"),
    "kpi.win_rate": ("Win rate", "Tasa de éxito", "Taxa de sucesso", "Ποσοστό επιτυχίας"),
    "kpi.marketing_cost": (
        "Marketing cost",
        "Coste de marketing",
        "Custo de marketing",
        "Κόστος μάρκετινγκ",
    ),
    "kpi.emails_sent": ("Emails sent", "Correos enviados", "Emails enviados", "Απεσταλμένα email"),
    "kpi.vs_previous": (
        "Change against the previous period of the same length ({start} – {end}).",
        "Cambio frente al periodo anterior de igual duración ({start} – {end}).",
        "Variação face ao período anterior com a mesma duração ({start} – {end}).",
        "Μεταβολή έναντι της προηγούμενης ισόχρονης περιόδου ({start} – {end}).",
    ),
    "kpi.no_previous": (
        "Pick a bounded period to compare with the previous one.",
        "Elija un periodo acotado para comparar con el anterior.",
        "Escolha um período delimitado para comparar com o anterior.",
        "Επιλέξτε συγκεκριμένη περίοδο για σύγκριση με την προηγούμενη.",
    ),
    "overview.pipeline": (
        "Open pipeline",
        "Cartera abierta",
        "Pipeline aberto",
        "Ανοιχτές ευκαιρίες",
    ),
    "overview.revenue_by_month": (
        "Won revenue by month",
        "Ingresos ganados por mes",
        "Receita ganha por mês",
        "Έσοδα ανά μήνα",
    ),
    "funnel.deals": ("Deals created", "Oportunidades creadas", "Negócios criados", "Ευκαιρίες"),
    "funnel.won": ("Won", "Ganadas", "Ganhos", "Κερδισμένες"),
    "funnel.lost": ("Lost", "Perdidas", "Perdidos", "Χαμένες"),
    "funnel.open": ("Open", "Abiertas", "Abertos", "Ανοιχτές"),
    "funnel.won_revenue": ("Won revenue", "Ingresos ganados", "Receita ganha", "Έσοδα"),
    "funnel.explain": (
        "Deals created in the period and the furthest stage each reached (from Stage history "
        "where it exists, else the current stage; a lost deal counts up to the stage it was lost at).",
        "Oportunidades creadas en el periodo y la etapa más avanzada que alcanzó cada una (según el "
        "historial de etapas, o la etapa actual; una perdida cuenta hasta la etapa en que se perdió).",
        "Negócios criados no período e a etapa mais avançada que cada um atingiu (pelo histórico de "
        "etapas, ou a etapa atual; um perdido conta até à etapa em que se perdeu).",
        "Ευκαιρίες της περιόδου και το πιο προχωρημένο στάδιο που έφτασε η καθεμία (από το ιστορικό "
        "σταδίων ή το τρέχον στάδιο· μια χαμένη μετρά έως το στάδιο όπου χάθηκε).",
    ),
    "funnel.table": ("Stages", "Etapas", "Etapas", "Στάδια"),
    "funnel.lost_reasons": (
        "Lost reasons",
        "Motivos de pérdida",
        "Motivos de perda",
        "Λόγοι απώλειας",
    ),
    "funnel.competitors": (
        "Lost to competitors",
        "Perdidas frente a competidores",
        "Perdidos para concorrentes",
        "Χάθηκαν σε ανταγωνιστές",
    ),
    "funnel.no_lost": (
        "No lost deals in this period.",
        "No hay oportunidades perdidas en este periodo.",
        "Sem negócios perdidos neste período.",
        "Καμία χαμένη ευκαιρία σε αυτή την περίοδο.",
    ),
    "funnel.no_competitors": (
        "No competitor recorded.",
        "Ningún competidor registrado.",
        "Nenhum concorrente registado.",
        "Δεν καταγράφηκε ανταγωνιστής.",
    ),
    "col.stage": ("Stage", "Etapa", "Etapa", "Στάδιο"),
    "col.reached": ("Reached", "Alcanzaron", "Atingiram", "Έφτασαν"),
    "col.conversion": (
        "Conversion from previous",
        "Conversión desde la anterior",
        "Conversão da anterior",
        "Μετατροπή από το προηγούμενο",
    ),
    "col.overall": (
        "Share of first stage",
        "Parte de la primera etapa",
        "Parte da primeira etapa",
        "Ποσοστό του πρώτου σταδίου",
    ),
    "col.lost_here": (
        "Lost at this stage",
        "Perdidas en esta etapa",
        "Perdidos nesta etapa",
        "Χάθηκαν σε αυτό",
    ),
    "col.median_days": (
        "Median days in stage",
        "Mediana de días en la etapa",
        "Mediana de dias na etapa",
        "Διάμεσος ημερών στο στάδιο",
    ),
    "col.reason": ("Reason", "Motivo", "Motivo", "Λόγος"),
    "col.deals": ("Deals", "Oportunidades", "Negócios", "Ευκαιρίες"),
    "col.value": ("Value", "Importe", "Valor", "Αξία"),
    "col.competitor": ("Competitor", "Competidor", "Concorrente", "Ανταγωνιστής"),
    "col.source": ("Source", "Fuente", "Fonte", "Πηγή"),
    "col.month": ("Month", "Mes", "Mês", "Μήνας"),
    "col.leads": ("Leads", "Contactos", "Contactos", "Υποψήφιοι"),
    "col.customers_won": ("Customers won", "Clientes ganados", "Clientes ganhos", "Νέοι πελάτες"),
    "col.revenue": ("Revenue", "Ingresos", "Receita", "Έσοδα"),
    "col.cost": ("Cost", "Coste", "Custo", "Κόστος"),
    "col.cost_per_lead": (
        "Cost per lead",
        "Coste por contacto",
        "Custo por contacto",
        "Κόστος ανά υποψήφιο",
    ),
    "col.cost_per_customer": (
        "Cost per customer",
        "Coste por cliente",
        "Custo por cliente",
        "Κόστος ανά πελάτη",
    ),
    "col.roi": ("ROI", "ROI", "ROI", "ROI"),
    "col.id": ("ID", "ID", "ID", "ID"),
    "col.name": ("Name", "Nombre", "Nome", "Όνομα"),
    "col.company": ("Company", "Empresa", "Empresa", "Εταιρεία"),
    "col.email": ("Email", "Correo", "Email", "Email"),
    "col.phone": ("Phone", "Teléfono", "Telefone", "Τηλέφωνο"),
    "col.manager": ("Manager", "Responsable", "Responsável", "Υπεύθυνος"),
    "col.created": ("Created", "Alta", "Criado em", "Δημιουργία"),
    "col.lifecycle": ("Lifecycle", "Ciclo de vida", "Ciclo de vida", "Κύκλος ζωής"),
    "col.segment": ("Segment", "Segmento", "Segmento", "Τμήμα"),
    "col.last_contact": ("Last contact", "Último contacto", "Último contacto", "Τελευταία επαφή"),
    "col.customers": ("Customers", "Clientes", "Clientes", "Πελάτες"),
    "col.title": ("Title", "Título", "Título", "Τίτλος"),
    "col.closed": ("Closed", "Cierre", "Fecho", "Κλείσιμο"),
    "col.date": ("Date", "Fecha", "Data", "Ημερομηνία"),
    "col.kind": ("Kind", "Tipo", "Tipo", "Είδος"),
    "col.summary": ("Summary", "Resumen", "Resumo", "Περιγραφή"),
    "col.amount": ("Amount", "Importe", "Valor", "Ποσό"),
    "col.when": ("When", "Cuándo", "Quando", "Πότε"),
    "col.to": ("To", "Para", "Para", "Προς"),
    "col.subject": ("Subject", "Asunto", "Assunto", "Θέμα"),
    "col.status": ("Status", "Estado", "Estado", "Κατάσταση"),
    "col.error": ("Error", "Error", "Erro", "Σφάλμα"),
    "col.template": ("Template", "Plantilla", "Modelo", "Πρότυπο"),
    "col.campaign": ("Campaign", "Campaña", "Campanha", "Καμπάνια"),
    "col.segment_filter": (
        "Segment filter",
        "Filtro de segmento",
        "Filtro de segmento",
        "Φίλτρο τμήματος",
    ),
    "col.send_on": ("Send on", "Enviar el", "Enviar em", "Αποστολή στις"),
    "col.approved": ("Approved", "Aprobada", "Aprovada", "Εγκρίθηκε"),
    "col.sent": ("Sent", "Enviados", "Enviados", "Στάλθηκαν"),
    "col.failed": ("Failed", "Fallidos", "Falhados", "Απέτυχαν"),
    "col.emails": ("Emails", "Correos", "Emails", "Email"),
    "col.due": ("Due", "Vence", "Prazo", "Προθεσμία"),
    "col.days": ("Days", "Días", "Dias", "Ημέρες"),
    "col.note": ("Note", "Nota", "Nota", "Σημείωση"),
    "col.overdue": ("Overdue", "Vencidos", "Em atraso", "Εκπρόθεσμες"),
    "col.upcoming": ("Upcoming", "Próximos", "Próximos", "Επερχόμενες"),
    "col.tab": ("Tab", "Pestaña", "Separador", "Καρτέλα"),
    "col.row": ("Row", "Fila", "Linha", "Γραμμή"),
    "col.column": ("Column", "Columna", "Coluna", "Στήλη"),
    "col.problem": ("Problem", "Problema", "Problema", "Πρόβλημα"),
    "col.problems": ("Problems", "Problemas", "Problemas", "Προβλήματα"),
    "col.rows": ("Rows", "Filas", "Linhas", "Γραμμές"),
    "sources.explain": (
        "Leads are customers created in the month, by their Source; customers won are those of "
        "them with a won deal, and revenue is those deals' value. Cost comes from the Sources tab. "
        "ROI = (revenue − cost) / cost.",
        "Los contactos son los clientes dados de alta en el mes, por su fuente; los clientes ganados, "
        "los que tienen una oportunidad ganada, y los ingresos, el importe de esas oportunidades. El "
        "coste sale de la pestaña Sources. ROI = (ingresos − coste) / coste.",
        "Contactos são os clientes criados no mês, pela sua fonte; clientes ganhos, os que têm um "
        "negócio ganho, e receita, o valor desses negócios. O custo vem do separador Sources. "
        "ROI = (receita − custo) / custo.",
        "Υποψήφιοι είναι οι πελάτες που καταχωρίστηκαν τον μήνα, ανά πηγή· νέοι πελάτες όσοι έχουν "
        "κερδισμένη ευκαιρία, και έσοδα η αξία τους. Το κόστος προέρχεται από την καρτέλα Sources. "
        "ROI = (έσοδα − κόστος) / κόστος.",
    ),
    "sources.no_cost": (
        "no cost data",
        "sin datos de coste",
        "sem dados de custo",
        "χωρίς στοιχεία κόστους",
    ),
    "sources.by_source": ("By source", "Por fuente", "Por fonte", "Ανά πηγή"),
    "sources.by_month": (
        "By source and month",
        "Por fuente y mes",
        "Por fonte e mês",
        "Ανά πηγή και μήνα",
    ),
    "sources.roi_chart": ("ROI by source", "ROI por fuente", "ROI por fonte", "ROI ανά πηγή"),
    "sources.revenue_cost_chart": (
        "Revenue and cost by source",
        "Ingresos y coste por fuente",
        "Receita e custo por fonte",
        "Έσοδα και κόστος ανά πηγή",
    ),
    "customers.lifecycle": ("Lifecycle", "Ciclo de vida", "Ciclo de vida", "Κύκλος ζωής"),
    "customers.segments": ("RFM segments", "Segmentos RFM", "Segmentos RFM", "Τμήματα RFM"),
    "customers.not_filled": (
        "The bot has not filled this column yet; it appears after its next run.",
        "El bot aún no ha rellenado esta columna; aparecerá tras su próxima ejecución.",
        "O bot ainda não preencheu esta coluna; aparece depois da próxima execução.",
        "Το bot δεν έχει συμπληρώσει ακόμη αυτή τη στήλη· θα εμφανιστεί μετά την επόμενη εκτέλεση.",
    ),
    "customers.search": (
        "Search customers",
        "Buscar clientes",
        "Procurar clientes",
        "Αναζήτηση πελατών",
    ),
    "customers.search_help": (
        "Name, company, email, phone or ID",
        "Nombre, empresa, correo, teléfono o ID",
        "Nome, empresa, email, telefone ou ID",
        "Όνομα, εταιρεία, email, τηλέφωνο ή ID",
    ),
    "customers.matches": (
        "{count} customers match; showing the first {shown}.",
        "{count} clientes coinciden; se muestran los primeros {shown}.",
        "{count} clientes correspondem; mostram-se os primeiros {shown}.",
        "{count} πελάτες ταιριάζουν· εμφανίζονται οι πρώτοι {shown}.",
    ),
    "customers.pick": (
        "Customer history",
        "Historial del cliente",
        "Histórico do cliente",
        "Ιστορικό πελάτη",
    ),
    "customers.none": ("No customers.", "No hay clientes.", "Sem clientes.", "Κανένας πελάτης."),
    "customers.deals": ("Deals", "Oportunidades", "Negócios", "Ευκαιρίες"),
    "customers.interactions": ("Interactions", "Interacciones", "Interações", "Επαφές"),
    "customers.emails": ("Emails", "Correos", "Emails", "Email"),
    "customers.nothing": (
        "Nothing recorded.",
        "Nada registrado.",
        "Nada registado.",
        "Τίποτα καταγεγραμμένο.",
    ),
    "reminders.by_manager": ("By manager", "Por responsable", "Por responsável", "Ανά υπεύθυνο"),
    "reminders.overdue": ("Overdue", "Vencidos", "Em atraso", "Εκπρόθεσμες"),
    "reminders.upcoming": (
        "Upcoming (next {days} days)",
        "Próximos ({days} días)",
        "Próximos ({days} dias)",
        "Επερχόμενες ({days} ημέρες)",
    ),
    "reminders.none": ("Nothing here.", "Nada pendiente.", "Nada pendente.", "Τίποτα εκκρεμές."),
    "reminders.kind.deal": (
        "Deal follow-up",
        "Seguimiento de oportunidad",
        "Seguimento de negócio",
        "Παρακολούθηση ευκαιρίας",
    ),
    "reminders.kind.customer": (
        "Customer action",
        "Acción con cliente",
        "Ação com cliente",
        "Ενέργεια πελάτη",
    ),
    "reminders.explain": (
        "From Deals “Follow-up due” (open deals) and Customers “Next action date”, filled by the bot.",
        "De “Follow-up due” en Deals (oportunidades abiertas) y “Next action date” en Customers, que rellena el bot.",
        "De “Follow-up due” em Deals (negócios abertos) e “Next action date” em Customers, preenchidos pelo bot.",
        "Από τις στήλες “Follow-up due” (ανοιχτές ευκαιρίες) και “Next action date” των πελατών, που συμπληρώνει το bot.",
    ),
    "mail.quota": (
        "Emails left today",
        "Correos restantes hoy",
        "Emails restantes hoje",
        "Υπόλοιπα email σήμερα",
    ),
    "mail.quota_help": (
        "Daily send cap {cap} minus {sent} emails sent in the last 24 hours.",
        "Límite diario {cap} menos {sent} correos enviados en las últimas 24 horas.",
        "Limite diário {cap} menos {sent} emails enviados nas últimas 24 horas.",
        "Ημερήσιο όριο {cap} μείον {sent} email των τελευταίων 24 ωρών.",
    ),
    "mail.sent_24h": (
        "Sent in the last 24 h",
        "Enviados en 24 h",
        "Enviados em 24 h",
        "Στάλθηκαν σε 24 ώρες",
    ),
    "mail.status": (
        "Mail log by status",
        "Registro por estado",
        "Registo por estado",
        "Αρχείο ανά κατάσταση",
    ),
    "mail.campaigns": ("Campaigns", "Campañas", "Campanhas", "Καμπάνιες"),
    "mail.log": (
        "Mail log (latest {count})",
        "Registro de correo (últimos {count})",
        "Registo de email (últimos {count})",
        "Αρχείο email (τελευταία {count})",
    ),
    "mail.none": (
        "No emails yet.",
        "Aún no hay correos.",
        "Ainda sem emails.",
        "Κανένα email ακόμη.",
    ),
    "mail.no_campaigns": (
        "No campaigns yet.",
        "Aún no hay campañas.",
        "Ainda sem campanhas.",
        "Καμία καμπάνια ακόμη.",
    ),
    "quality.none": (
        "No problems found.",
        "No se encontraron problemas.",
        "Nenhum problema encontrado.",
        "Δεν βρέθηκαν προβλήματα.",
    ),
    "quality.by_tab": (
        "Problems by tab",
        "Problemas por pestaña",
        "Problemas por separador",
        "Προβλήματα ανά καρτέλα",
    ),
    "quality.rows": (
        "Rows with problems",
        "Filas con problemas",
        "Linhas com problemas",
        "Γραμμές με προβλήματα",
    ),
    "quality.whole_tab": ("whole tab", "toda la pestaña", "separador inteiro", "όλη η καρτέλα"),
    "issue.date.invalid": (
        "“{raw}” is not a date",
        "«{raw}» no es una fecha",
        "«{raw}» não é uma data",
        "«{raw}» δεν είναι ημερομηνία",
    ),
    "issue.date.no_year": (
        "“{raw}” has no year",
        "«{raw}» no tiene año",
        "«{raw}» não tem ano",
        "«{raw}» δεν έχει έτος",
    ),
    "issue.time.invalid": (
        "“{raw}” is not a time",
        "«{raw}» no es una hora",
        "«{raw}» não é uma hora",
        "«{raw}» δεν είναι ώρα",
    ),
    "issue.number.invalid": (
        "“{raw}” is not a number",
        "«{raw}» no es un número",
        "«{raw}» não é um número",
        "«{raw}» δεν είναι αριθμός",
    ),
    "issue.boolean.invalid": (
        "“{raw}” is not yes or no",
        "«{raw}» no es sí o no",
        "«{raw}» não é sim ou não",
        "«{raw}» δεν είναι ναι ή όχι",
    ),
    "issue.choice.unknown": (
        "“{raw}” is not one of: {detail}",
        "«{raw}» no es uno de: {detail}",
        "«{raw}» não é um de: {detail}",
        "«{raw}» δεν είναι ένα από: {detail}",
    ),
    "issue.other": (
        "“{raw}” cannot be read ({code})",
        "«{raw}» no se puede leer ({code})",
        "«{raw}» não pode ser lido ({code})",
        "«{raw}» δεν διαβάζεται ({code})",
    ),
    "error.workbook": (
        "The workbook cannot be read",
        "No se puede leer el libro",
        "Não é possível ler o livro",
        "Δεν είναι δυνατή η ανάγνωση του βιβλίου",
    ),
    "error.hint": (
        "Check the --workbook path (or --spreadsheet and --credentials), then press Refresh.",
        "Compruebe la ruta --workbook (o --spreadsheet y --credentials) y pulse Actualizar.",
        "Verifique o caminho --workbook (ou --spreadsheet e --credentials) e carregue em Atualizar.",
        "Ελέγξτε τη διαδρομή --workbook (ή --spreadsheet και --credentials) και πατήστε Ανανέωση.",
    ),
    "error.retry": ("Try again", "Reintentar", "Tentar de novo", "Δοκιμάστε ξανά"),
    "tab_issues": ("Workbook notes", "Notas del libro", "Notas do livro", "Σημειώσεις βιβλίου"),
    "empty.period": (
        "No data in this period.",
        "Sin datos en este periodo.",
        "Sem dados neste período.",
        "Χωρίς δεδομένα σε αυτή την περίοδο.",
    ),
    "login.title": ("Sign in", "Iniciar sesión", "Iniciar sessão", "Σύνδεση"),
    "login.password": ("Password", "Contraseña", "Palavra-passe", "Κωδικός"),
    "login.submit": ("Sign in", "Entrar", "Entrar", "Είσοδος"),
    "login.wrong": (
        "Wrong password.",
        "Contraseña incorrecta.",
        "Palavra-passe errada.",
        "Λάθος κωδικός.",
    ),
    "login.oidc": (
        "Sign in with your account",
        "Entrar con su cuenta",
        "Entrar com a sua conta",
        "Σύνδεση με τον λογαριασμό σας",
    ),
    "login.needed": (
        "This dashboard is served beyond this computer, so it needs a login, and none is set up. "
        "Either start it on localhost only (--server.address 127.0.0.1) or put a password hash in "
        ".streamlit/secrets.toml under [auth] password_hash (make one with `python -m dashboard.auth hash`).",
        "Este panel se sirve fuera de este equipo, así que necesita inicio de sesión y no hay ninguno "
        "configurado. Arránquelo solo en localhost (--server.address 127.0.0.1) o ponga un hash de "
        "contraseña en .streamlit/secrets.toml, [auth] password_hash (créelo con `python -m dashboard.auth hash`).",
        "Este painel é servido fora deste computador, por isso precisa de início de sessão e nenhum "
        "está configurado. Inicie-o só em localhost (--server.address 127.0.0.1) ou ponha um hash de "
        "palavra-passe em .streamlit/secrets.toml, [auth] password_hash (crie-o com `python -m dashboard.auth hash`).",
        "Ο πίνακας είναι προσβάσιμος και από άλλους υπολογιστές, άρα χρειάζεται σύνδεση, που δεν έχει "
        "ρυθμιστεί. Ξεκινήστε τον μόνο σε localhost (--server.address 127.0.0.1) ή βάλτε hash κωδικού "
        "στο .streamlit/secrets.toml, [auth] password_hash (`python -m dashboard.auth hash`).",
    ),
    "yes": ("yes", "sí", "sim", "ναι"),
    "no": ("no", "no", "não", "όχι"),
}


def is_missing(value: object) -> bool:
    """True for None, NaN and NaT."""
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


class Translator:
    """Interface words and locale-aware formatting for one language and currency."""

    def __init__(self, language: str, currency: str = "EUR") -> None:
        self.language = language if language in LANGUAGES else "en"
        self.locale = LOCALES[self.language]
        self.currency = currency
        self._index = LANGUAGES.index(self.language)

    def __call__(self, key: str, **params: object) -> str:
        """The interface text for ``key`` in this language, with ``{params}`` filled in."""
        texts = STRINGS.get(key)
        text = texts[self._index] if texts else key
        return text.format(**params) if params else text

    def money(self, value: object, digits: int = 0) -> str:
        """An amount in the workbook's currency, e.g. "€1,200" or "1.200 €"."""
        if is_missing(value):
            return DASH
        pattern = None if digits else "¤#,##0"
        if pattern is not None and self.language in ("es", "pt", "el"):
            pattern = "#,##0 ¤"
        return str(
            format_currency(
                float(value),  # type: ignore[arg-type]
                self.currency,
                format=pattern,
                locale=self.locale,
                currency_digits=digits != 0,
            )
        )

    def number(self, value: object, digits: int = 0) -> str:
        """A number with this locale's separators."""
        if is_missing(value):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(float(value), format=pattern, locale=self.locale))  # type: ignore[arg-type]

    def percent(self, value: object, digits: int = 0) -> str:
        """A share (0.25) as a percentage ("25%")."""
        if is_missing(value):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return str(format_percent(float(value), format=pattern, locale=self.locale))  # type: ignore[arg-type]

    def date(self, value: object) -> str:
        """A date in this locale's medium form, e.g. "5 Mar 2024"."""
        if is_missing(value):
            return ""
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        if isinstance(moment, datetime):
            moment = moment.date()
        assert isinstance(moment, date)
        return str(format_date(moment, format="medium", locale=self.locale))

    def datetime(self, value: object) -> str:
        """A date and time in this locale's short form."""
        if is_missing(value):
            return ""
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        assert isinstance(moment, datetime)
        return str(format_datetime(moment, format="short", locale=self.locale))

    def month(self, value: object) -> str:
        """A month, e.g. "Mar 2024"."""
        if is_missing(value):
            return ""
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        assert isinstance(moment, date)
        return str(format_date(moment, format="LLL yyyy", locale=self.locale))

    def issue(self, code: str, raw: str, detail: str) -> str:
        """A sentence for an unreadable cell (code from the cells layer)."""
        key = f"issue.{code}"
        if key not in STRINGS:
            return self("issue.other", raw=raw, code=code)
        return self(key, raw=raw, detail=detail)
