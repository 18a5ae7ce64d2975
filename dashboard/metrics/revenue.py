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

import pandas as pd

from dashboard.metrics.period import Period, month_start
from sheet_schema.lists import PURCHASE, WON
from sheet_schema.revenue import PurchaseLine, WonDeal, id_key, sales

SALE_COLUMNS = ["customer_id", "ref", "is_deal", "amount", "date", "source", "manager"]
# The source and manager of a sale whose customer is no row of Customers (a reference to no one,
# or to two people) and whose deal names none itself: unknown, not "(no source)" (a blank cell).
NO_CUSTOMER = "(customer not found)"


def _days(moments: pd.Series) -> list[date | None]:
    """Timestamps as plain dates (None for NaT), in one pass."""
    return [None if pd.isna(d) else d for d in moments.dt.date.tolist()]


def _amounts(values: pd.Series) -> list[float | None]:
    return [None if v != v else float(v) for v in values.tolist()]  # NaN is not equal to itself


def _keys(values: pd.Series) -> list[str]:
    return [id_key(v) for v in values.tolist()]


def _refs(frame: pd.DataFrame) -> list[str]:
    """Each row's ID as typed, or "#rowN" for a row without one (it is still money)."""
    return [
        str(i) if isinstance(i, str) and i else f"#row{n}"
        for i, n in zip(frame["id"].tolist(), frame["row"].tolist(), strict=True)
    ]


def sales_frame(
    customers: pd.DataFrame, deals: pd.DataFrame, interactions: pd.DataFrame
) -> pd.DataFrame:
    """One row per sale: ``customer_id`` (as in Customers), ``ref`` (Deal or Interaction ID),
    ``is_deal``, ``amount`` (NaN when unknown), ``date`` (NaT when unknown), ``source`` and
    ``manager`` (the deal's own, else its customer's)."""
    won_rows = deals[deals["stage_meaning"] == WON]
    closed = won_rows["closed"].fillna(won_rows["stage_since"]).fillna(won_rows["created"])
    won = [
        WonDeal(ref, customer, value, when)
        for ref, customer, value, when in zip(
            _refs(won_rows),
            _keys(won_rows["customer_id"]),
            _amounts(won_rows["value"]),
            _days(closed),  # close_date: Closed, else Stage since, else Created
            strict=True,
        )
    ]
    bought = interactions[interactions["kind_meaning"] == PURCHASE]
    lines = [
        PurchaseLine(*fields)
        for fields in zip(
            _refs(bought),
            _keys(bought["customer_id"]),
            _keys(bought["deal_id"]),
            _amounts(bought["amount"]),
            _days(bought["date"]),
            strict=True,
        )
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
            # object: an unreadable Customers tab gives an all-empty float column to map through
            "customer_id": keys.map(known["id"]).astype(object).fillna(keys.where(keys != "")),
            "ref": refs,
            "is_deal": is_deal,
            "amount": pd.Series([s.amount for s in found], dtype="float64"),
            "date": pd.to_datetime(pd.Series([s.when for s in found], dtype=object)),
            "source": _of_customer(deal_source, keys, known["source"]),
            "manager": _of_customer(deal_manager, keys, known["manager"]),
        },
        columns=SALE_COLUMNS,
    )


def _of_customer(own: pd.Series, keys: pd.Series, customers: pd.Series) -> pd.Series:
    """The deal's own value, else its customer's; :data:`NO_CUSTOMER` when the sale names no
    known customer (``customers`` is indexed by id_key)."""
    taken = own.fillna(keys.map(customers))
    return taken.where(taken.notna() | keys.isin(customers.index), NO_CUSTOMER)


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
    ``sales`` and ``missing`` (sales without an amount). Undated sales have no month:
    :func:`revenue_by_month_with_undated` adds them."""
    sold = sales_in_period(sales, period).dropna(subset=["date"])
    sold = sold.assign(month=month_start(sold["date"]), missing=missing_amounts(sold))
    table = sold.groupby("month").agg(
        revenue=("amount", "sum"), sales=("ref", "size"), missing=("missing", "sum")
    )
    return table.reset_index()


def revenue_by_month_with_undated(sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """:func:`revenue_by_month` and, over all time, one row (``month`` NaT: the "(no date)"
    group of ``--by month``) for the sales without a date, so the months add up to the
    period's revenue. A bounded period has no such row (an undated sale is in no bounded
    period), nor has a workbook whose every sale is dated."""
    months = revenue_by_month(sales, period)
    if not period.is_all_time:
        return months
    undated = sales[sales["date"].isna()]
    if undated.empty:
        return months
    row = pd.DataFrame(
        {
            "month": pd.Series([pd.NaT], dtype="datetime64[ns]"),
            "revenue": [float(undated["amount"].sum())],
            "sales": [len(undated)],
            "missing": [int(missing_amounts(undated).sum())],
        }
    )
    return pd.concat([months, row], ignore_index=True) if len(months) else row
