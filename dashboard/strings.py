"""The dashboard's words: each key and its English text, which is the gettext message id.

The other languages are the ``sheetcrm`` catalogs in ``sheet_schema/locales`` (see
sheet_schema.translation); :class:`dashboard.i18n.Translator` looks a key up here and fills in
its parameters. Plural texts name their count parameter (``Nn_``), texts that need a context say
it (``Np_``).
"""

from __future__ import annotations

from typing import Final

from sheet_schema.translation import N_, Nn_, Np_, Text

STRINGS: Final[dict[str, Text]] = {
    "app.title": N_("SheetCRM dashboard"),
    "page.overview": N_("Overview"),
    "page.funnel": N_("Funnel"),
    "page.sources": N_("Marketing sources"),
    "page.customers": N_("Customers"),
    "page.reminders": N_("Reminders"),
    "page.mailings": N_("Mailings"),
    "page.quality": N_("Data quality"),
    "sidebar.language": N_("Language"),
    "sidebar.period": N_("Period"),
    "sidebar.from_to": N_("From – to"),
    "sidebar.managers": N_("Managers"),
    "sidebar.sources": N_("Sources"),
    "sidebar.all": N_("All"),
    "sidebar.refresh": N_("Refresh data"),
    "sidebar.read_at": N_("Data read {when}"),
    "sidebar.logout": N_("Log out"),
    "period.30d": Np_("period", "Last 30 days"),
    "period.90d": Np_("period", "Last 90 days"),
    "period.12m": Np_("period", "Last 12 months"),
    "period.ytd": Np_("period", "This year"),
    "period.all": Np_("period", "All time"),
    "period.custom": Np_("period", "Custom"),
    "period.shown": N_("{start} – {end}"),
    "kpi.new_leads": N_("New leads"),
    "kpi.new_deals": N_("New deals"),
    "kpi.deals_won": N_("Deals won"),
    "kpi.customers_won": N_("Customers won"),
    "kpi.won_revenue": N_("Won revenue"),
    "kpi.win_rate": N_("Win rate"),
    "kpi.marketing_cost": N_("Marketing cost"),
    "kpi.emails_sent": N_("Emails sent"),
    "kpi.vs_previous": N_(
        "Change against the previous period of the same length ({start} – {end})."
    ),
    "kpi.no_previous": N_("Pick a bounded period to compare with the previous one."),
    "revenue.incomplete": Nn_(
        "incomplete: {count} deal without a value",
        "incomplete: {count} deals without a value",
        "count",
    ),
    "revenue.no_amount": Nn_(
        "incomplete: {count} purchase without an amount",
        "incomplete: {count} purchases without an amount",
        "count",
    ),
    # After "incomplete: N deals without a value", the purchases follow with a comma.
    "revenue.and_no_amount": Nn_(
        "{count} purchase without an amount",
        "{count} purchases without an amount",
        "count",
    ),
    "basis.overview": N_(
        "Dates: leads by the customer's Created date, deals opened by the deal's Created "
        "date, deals and customers won and won revenue by the day the deal closed (Closed, "
        "else Stage since, else Created) or the purchase's Date, emails by when they were sent."
    ),
    "basis.funnel": N_(
        "Dates: the deals opened in the period (the deal's Created date), followed to "
        "wherever they are now."
    ),
    "basis.customers": N_("Dates: the customers created in the period."),
    "basis.sources": N_(
        "Dates: leads by the month the customer was created; won revenue and customers won "
        "by the month the deal closed or the purchase happened; cost by its month."
    ),
    "value.not_in_list": N_("{value} (not in the list)"),
    "value.no_source": N_("(no source)"),
    "value.no_customer": N_("(customer not found)"),
    "value.not_set": N_("(not set)"),
    "value.no_date": N_("(no date)"),
    "overview.pipeline": N_("Open pipeline"),
    "overview.revenue_by_month": N_("Won revenue by month"),
    # Under the chart by month, all time: the sales without a date (they have no month).
    "undated.customers": Nn_(
        "{count} customer has no Created date that can be read, so no period counts it (all "
        "time does; {quality} says why).",
        "{count} customers have no Created date that can be read, so no period counts them (all "
        "time does; {quality} says why).",
        "count",
    ),
    "undated.deals": Nn_(
        "{count} deal has no Created date that can be read, so no period counts it (all time "
        "does; {quality} says why).",
        "{count} deals have no Created date that can be read, so no period counts them (all "
        "time does; {quality} says why).",
        "count",
    ),
    "overview.revenue_no_date": Nn_(
        "{no_date}: {amount} of won revenue from {count} sale without a date, not in the chart.",
        "{no_date}: {amount} of won revenue from {count} sales without a date, not in the chart.",
        "count",
    ),
    "funnel.deals": N_("Deals opened"),
    "funnel.won": N_("Won"),
    "funnel.lost": N_("Lost"),
    "funnel.open": N_("Open"),
    "funnel.won_value": N_("Won value of the deals opened"),
    "funnel.explain": N_(
        "Deals opened in the period and the furthest stage each reached (from Stage "
        "history where it exists, else the current stage; a lost deal counts up to the "
        "stage it was lost at)."
    ),
    "funnel.table": N_("Stages"),
    "funnel.lost_reasons": N_("Lost reasons"),
    "funnel.competitors": N_("Lost to competitors"),
    "funnel.no_lost": N_("No lost deals in this period."),
    "funnel.no_competitors": N_("No competitor recorded."),
    "group.by": N_("Group by"),
    "group.none": N_("(no grouping)"),
    "group.download": N_("Download table (CSV)"),
    "col.stage": N_("Stage"),
    "col.reached": N_("Reached"),
    "col.conversion": N_("Conversion from previous"),
    "col.overall": N_("Share of first stage"),
    "col.lost_here": N_("Lost at this stage"),
    "col.median_days": N_("Median days in stage"),
    "col.open_now": N_("Open now"),
    "col.open_median_days": N_("Median days in stage so far"),
    "funnel.stays": N_(
        "Median days in stage: stays that ended, from Stage history ({finished}). So far: the "
        "open deals' current stays up to {day}, starting at {sources}."
    ),
    "funnel.stays_none": N_("no open deal has a known start"),
    "col.reason": N_("Reason"),
    "col.deals": N_("Deals"),
    "col.value": N_("Value"),
    "col.competitor": N_("Competitor"),
    "col.source": N_("Source"),
    "col.month": N_("Month"),
    "col.leads": N_("Leads"),
    "col.customers_won": N_("Customers won"),
    "col.revenue": N_("Revenue"),
    "col.missing": N_("Sales without an amount"),
    "col.cost": N_("Cost"),
    "col.cost_per_lead": N_("Cost per lead"),
    "col.cost_per_customer": N_("Cost per customer"),
    "col.roi": N_("ROI"),
    "col.id": N_("ID"),
    "col.name": N_("Name"),
    "col.company": N_("Company"),
    "col.email": N_("Email"),
    "col.phone": N_("Phone"),
    "col.manager": N_("Manager"),
    "col.created": N_("Created"),
    "col.lifecycle": N_("Lifecycle"),
    "col.segment": N_("Segment"),
    "col.last_contact": N_("Last contact"),
    "col.customers": N_("Customers"),
    "col.title": N_("Title"),
    "col.closed": N_("Closed"),
    "col.date": N_("Date"),
    "col.kind": N_("Kind"),
    "col.summary": N_("Summary"),
    "col.amount": N_("Amount"),
    "col.when": N_("When"),
    "col.to": N_("To"),
    "col.subject": N_("Subject"),
    "col.status": N_("Status"),
    "col.error": N_("Error"),
    "col.template": N_("Template"),
    "col.campaign": N_("Campaign"),
    "col.segment_filter": N_("Segment filter"),
    "col.send_on": N_("Send on"),
    "col.approved": N_("Approved"),
    "col.sent": N_("Sent"),
    "col.failed": N_("Failed"),
    "col.emails": N_("Emails"),
    "col.due": N_("Due"),
    "col.days": N_("Days"),
    "col.note": N_("Note"),
    "col.overdue": N_("Overdue"),
    "col.upcoming": N_("Upcoming"),
    "col.tab": N_("Tab"),
    "col.row": N_("Row"),
    "col.column": N_("Column"),
    "col.problem": N_("Problem"),
    "col.problems": N_("Problems"),
    "col.rows": N_("Rows"),
    "sources.explain": N_(
        "Leads are customers created in the month, by their Source. Revenue is won deals "
        "and purchases of the month, by the deal's own Source, else the customer's; "
        "customers won are customers whose first sale is in the month. Cost comes from the "
        "Sources tab. ROI = (revenue − cost) / cost; none when a sale has no amount."
    ),
    "sources.no_cost": N_("no cost data"),
    "sources.by_source": N_("By source"),
    "sources.by_month": N_("By source and month"),
    "sources.roi_chart": N_("ROI by source"),
    "sources.revenue_cost_chart": N_("Revenue and cost by source"),
    "customers.lifecycle": N_("Lifecycle"),
    "customers.segments": N_("RFM segments"),
    "customers.not_filled": N_(
        "The bot has not filled this column yet; it appears after its next run."
    ),
    "customers.search": N_("Search customers"),
    "customers.search_help": N_("Name, company, email, phone or ID"),
    "customers.matches": Nn_(
        "{count} customer matches; showing the first {shown}.",
        "{count} customers match; showing the first {shown}.",
        "count",
    ),
    "customers.pick": N_("Customer history"),
    "customers.none": N_("No customers."),
    "customers.deals": N_("Deals"),
    "customers.interactions": N_("Interactions"),
    "customers.emails": N_("Emails"),
    "customers.nothing": N_("Nothing recorded."),
    "reminders.by_manager": N_("By manager"),
    "reminders.overdue": N_("Overdue"),
    "reminders.upcoming": Nn_(
        "Upcoming (next {days} day)",
        "Upcoming (next {days} days)",
        "days",
    ),
    "reminders.none": N_("Nothing here."),
    "reminders.kind.deal": N_("Deal follow-up"),
    "reminders.kind.customer": N_("Customer action"),
    "reminders.explain": N_(
        "From Deals “Follow-up due” (open deals) and Customers “Next action date”, "
        "filled by the bot."
    ),
    "mail.quota": N_("Emails left today"),
    "mail.quota_help": Nn_(
        "Daily send cap {cap} minus {sent} email sent in the last 24 hours.",
        "Daily send cap {cap} minus {sent} emails sent in the last 24 hours.",
        "sent",
    ),
    "mail.sent_24h": N_("Sent in the last 24 h"),
    "mail.status": N_("Mail log by status"),
    "mail.campaigns": N_("Campaigns"),
    "mail.log": N_("Mail log (latest {count})"),
    "mail.none": N_("No emails yet."),
    "mail.no_campaigns": N_("No campaigns yet."),
    "quality.none": N_("No problems found."),
    "quality.by_tab": N_("Problems by tab"),
    "quality.rows": N_("Rows with problems"),
    "quality.whole_tab": N_("whole tab"),
    "quality.bot_status": N_("What the bot did"),
    "quality.bot_ok": N_("Last run {run}: every rule ran and sending is on."),
    "quality.bot_runs": N_("Last run {run}; last run with every rule and sending: {success}."),
    "quality.never": N_("never"),
    "issue.date.invalid": N_("“{raw}” is not a date"),
    "issue.date.no_year": N_("“{raw}” has no year"),
    "issue.time.invalid": N_("“{raw}” is not a time"),
    "issue.number.invalid": N_("“{raw}” is not a number"),
    "issue.number.too_large": N_("“{raw}” is too large a number"),
    "issue.boolean.invalid": N_("“{raw}” is not yes or no"),
    "issue.choice.unknown": N_("“{raw}” is not one of: {detail}"),
    "issue.date.impossible": N_("“{raw}” is not a real date"),
    "issue.date.year_alone": N_("“{raw}” is a year alone, not a date"),
    "issue.date.implausible": N_("“{raw}” is a number, not a plausible date"),
    "issue.other": N_("“{raw}” cannot be read"),
    "error.workbook": N_("The workbook cannot be read"),
    "error.hint": N_(
        "Check the --workbook path (or --spreadsheet and --credentials), then press Refresh."
    ),
    "error.retry": N_("Try again"),
    "tab_issues": N_("Workbook notes"),
    "empty.period": N_("No data in this period."),
    "value.unknown": N_("unknown"),
    "unreadable.figures": N_("{reason}. Unknown here: {figures}."),
    # A Deals tab without its Source (Manager) column: {column} is that column's name.
    "unreadable.customer_value": N_(
        "{reason}. Each deal is counted under its customer's {column}."
    ),
    "login.title": N_("Sign in"),
    "login.password": N_("Password"),
    "login.submit": Np_("button", "Sign in"),
    "login.wrong": N_("Wrong password."),
    "login.oidc": N_("Sign in with your account"),
    "login.needed": N_(
        "This dashboard needs a login, and none is set up. Put a password hash in "
        ".streamlit/secrets.toml under [auth] password_hash (make one with "
        "`python -m dashboard.auth hash`). Only if nobody else can reach this computer: "
        "[dashboard] open_without_login = true opens it to this computer."
    ),
    "login.not_local": N_(
        "This dashboard is open without a login for this computer only, and this visit came "
        "from elsewhere (a proxy or another address). Set a password to use it from here: "
        "[auth] password_hash in .streamlit/secrets.toml (`python -m dashboard.auth hash`)."
    ),
    "login.wait": Nn_(
        "Too many wrong passwords. Wait {seconds} second before the next try.",
        "Too many wrong passwords. Wait {seconds} seconds before the next try.",
        "seconds",
    ),
    "yes": N_("yes"),
    "no": N_("no"),
}
