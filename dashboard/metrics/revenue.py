"""Revenue: every sale once (won deals and purchases, by sheet_schema.revenue), and its cuts.

:func:`sales_frame` is the one table every revenue figure of the dashboard and ``sheetcrm
report`` is cut from (Overview, Sources, Customers): one row per sale, dated by the day the deal
closed or the purchase happened, attributed to the deal's own Source and Manager (else its
customer's). An unknown amount stays NaN and is counted by :func:`missing_amounts`; it is never
summed as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from dashboard.metrics.period import Period, month_start
from sheet_schema.revenue import PURCHASE, WON, PurchaseLine, WonDeal, close_date, id_key, sales

SALE_COLUMNS = ["customer_id", "ref", "is_deal", "amount", "date", "source", "manager"]


def _day(value: object) -> date | None:
    return value.date() if isinstance(value, pd.Timestamp) and not pd.isna(value) else None


def _money(value: object) -> Decimal | None:
    if isinstance(value, float) and value == value:  # NaN is not equal to itself
        return Decimal(repr(value))
    return None


def sales_frame(
    customers: pd.DataFrame, deals: pd.DataFrame, interactions: pd.DataFrame
) -> pd.DataFrame:
    """One row per sale: ``customer_id`` (as in Customers), ``ref`` (Deal or Interaction ID),
    ``is_deal``, ``amount`` (NaN when unknown), ``date`` (NaT when unknown), ``source`` and
    ``manager`` (the deal's own, else its customer's)."""
    won_rows = deals[deals["stage"] == WON]
    won = [
        WonDeal(
            str(row.id) if isinstance(row.id, str) else f"#row{row.row}",
            id_key(row.customer_id),
            _money(row.value),
            close_date(_day(row.closed), _day(row.stage_since), _day(row.created)),
        )
        for row in won_rows.itertuples(index=False)
    ]
    bought = interactions[interactions["kind"] == PURCHASE]
    lines = [
        PurchaseLine(
            str(row.id or f"#row{row.row}"),
            id_key(row.customer_id),
            id_key(row.deal_id),
            _money(row.amount),
            _day(row.date),
        )
        for row in bought.itertuples(index=False)
    ]
    found = sales(won, lines)
    known = customers.dropna(subset=["id"])
    known = known.assign(key=known["id"].map(id_key)).drop_duplicates("key").set_index("key")
    by_deal = won_rows.assign(ref=[w.deal for w in won]).drop_duplicates("ref").set_index("ref")
    keys = pd.Series([s.customer for s in found], dtype=object)
    refs = pd.Series([s.ref for s in found], dtype=object)
    is_deal = pd.Series([s.is_deal for s in found], dtype=bool)
    deal_source = refs.map(by_deal["source"]).astype(object).where(is_deal)
    deal_manager = refs.map(by_deal["manager"]).astype(object).where(is_deal)
    return pd.DataFrame(
        {
            "customer_id": keys.map(known["id"]).fillna(keys.where(keys != "")),
            "ref": refs,
            "is_deal": is_deal,
            "amount": pd.Series(
                [float(s.amount) if s.amount is not None else float("nan") for s in found],
                dtype="float64",
            ),
            "date": pd.to_datetime(pd.Series([s.when for s in found], dtype=object)),
            "source": deal_source.fillna(keys.map(known["source"])),
            "manager": deal_manager.fillna(keys.map(known["manager"])),
        },
        columns=SALE_COLUMNS,
    )


def sales_in_period(sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The sales dated in the period (undated sales count only for all time)."""
    return sales[period.mask(sales["date"])]


@dataclass(frozen=True)
class Revenue:
    """A revenue figure and what it could not count."""

    amount: float  # the sum of the known amounts
    deals_without_value: int  # won deals with no Value and no purchase naming them
    purchases_without_amount: int

    @property
    def complete(self) -> bool:
        """True when every sale's amount is known."""
        return not self.deals_without_value and not self.purchases_without_amount


def revenue(sales: pd.DataFrame) -> Revenue:
    """The total of these sales and how many of them have no amount."""
    missing = sales["amount"].isna()
    return Revenue(
        amount=float(sales["amount"].sum()),
        deals_without_value=int((missing & sales["is_deal"]).sum()),
        purchases_without_amount=int((missing & ~sales["is_deal"]).sum()),
    )


def missing_amounts(sales: pd.DataFrame) -> pd.Series:
    """1 for each sale whose amount is unknown, else 0 (to sum per group)."""
    return sales["amount"].isna().astype("int64")


def first_sales(sales: pd.DataFrame) -> pd.DataFrame:
    """Each customer's first sale (earliest dated; undated only when none is dated): the day
    the customer was won, and the source and manager that won them."""
    ordered = sales.dropna(subset=["customer_id"]).sort_values("date", kind="stable")
    return ordered.drop_duplicates("customer_id")


def revenue_by_customer(sales: pd.DataFrame) -> pd.DataFrame:
    """Per customer: ``customer_id``, ``revenue`` (known amounts), ``sales``, ``missing``."""
    table = (
        sales.assign(missing=missing_amounts(sales))
        .groupby("customer_id")
        .agg(revenue=("amount", "sum"), sales=("ref", "size"), missing=("missing", "sum"))
    )
    return table.reset_index().sort_values(
        ["revenue", "customer_id"], ascending=[False, True], kind="stable"
    )


def revenue_by_month(sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Sales of the period by the month of their date: ``month``, ``revenue`` (known amounts),
    ``sales`` and ``missing`` (sales without an amount)."""
    sold = sales_in_period(sales, period).dropna(subset=["date"])
    sold = sold.assign(month=month_start(sold["date"]), missing=missing_amounts(sold))
    table = sold.groupby("month").agg(
        revenue=("amount", "sum"), sales=("ref", "size"), missing=("missing", "sum")
    )
    return table.reset_index()
