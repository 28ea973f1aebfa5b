"""Price guidance (DESIGN §2.8, CRM function II): the list price, a risk-based floor, a
suggested relationship price and the RM's discretion band.

For credit (unit "rate", a yearly rate):
    floor = funding cost + PD x LGD + operating cost
where PD is the customer's repayment-model probability (a conservative default when the
customer has no score) and the operating cost is the product's yearly cost spread over
the average balance. The suggested price starts at the list price, gives back a little
for value, tenure and price sensitivity, and never goes under the floor. Fee products
(unit "fee", a monthly fee) have their cost as the floor.

The discretion band is the RM's: +/- DISCRETION_BP[grade] basis points around the
suggested rate (a fee range for fees), clipped at the floor, valid QUOTE_VALID_DAYS.
"""

import math
from dataclasses import dataclass

from flask import current_app

BP = 0.0001
VALUE_DISCOUNT_BP = {"top": 30, "high": 20, "medium": 10}
TENURE_DISCOUNT_BP_PER_YEAR, TENURE_DISCOUNT_CAP_BP = 5, 20


@dataclass(frozen=True)
class Inputs:
    is_credit: bool
    list_rate: float | None
    monthly_fee: float
    annual_cost: float
    average_balance: float
    pd: float | None  # None: the customer has no repayment score
    value_band: str | None
    tenure_years: float
    sensitivity: float  # 0 (takes what is offered) .. 1 (shops around)


def round_to(value: float, step: float) -> float:
    return round(round(value / step) * step, 6)


def up_to(value: float, step: float) -> float:
    """Up to the unit: a floor rounded to the nearest unit could sit under the cost it is
    meant to cover (a yearly cost of 150 is 12.5 a month; the floor is 13, not 12)."""
    return round(math.ceil(round(value / step, 6)) * step, 6)


def guidance(x: Inputs) -> dict | None:
    """The price guidance of one product for one customer (without the RM's band); None for
    products whose price is not negotiated (deposits, funds: no rate to the bank's credit,
    no fee)."""
    cfg = current_app.config
    if x.is_credit and x.list_rate is not None:
        pd = cfg["PRICING_DEFAULT_PD"] if x.pd is None else max(0.0, min(1.0, x.pd))
        operating = x.annual_cost / x.average_balance if x.average_balance > 0 else \
            cfg["PRICING_OPERATING_COST_RATE"]
        floor = cfg["PRICING_FUNDING_COST_RATE"] + pd * cfg["PRICING_LGD"] + operating
        discount_bp = (VALUE_DISCOUNT_BP.get(x.value_band or "", 0)
                       + min(TENURE_DISCOUNT_CAP_BP, TENURE_DISCOUNT_BP_PER_YEAR
                             * int(x.tenure_years))
                       + 10 * x.sensitivity)
        floor = up_to(floor, BP)
        suggested = max(floor, round_to(x.list_rate - discount_bp * BP, BP))
        return {"unit": "rate", "list": round_to(x.list_rate, BP),
                "floor": floor, "suggested": suggested,
                "pd": round(pd, 4), "pd_default": x.pd is None}
    if x.monthly_fee <= 0:
        return None
    floor = up_to(x.annual_cost / 12, 1.0)
    suggested = max(floor, round_to(x.monthly_fee * (1 - 0.1 * x.sensitivity), 1.0))
    return {"unit": "fee", "list": round_to(x.monthly_fee, 1.0), "floor": floor,
            "suggested": suggested, "pd": None, "pd_default": False}


def band(price: dict, grade: int) -> dict:
    """The RM's discretion around the suggested price, by grade, never under the floor."""
    cfg = current_app.config
    if price["unit"] == "rate":
        width = cfg["DISCRETION_BP"].get(grade, 0) * BP
        low, high, step = price["suggested"] - width, price["suggested"] + width, BP
    else:
        width = price["suggested"] * cfg["DISCRETION_FEE_SHARE"].get(grade, 0.0)
        low, high, step = price["suggested"] - width, price["suggested"] + width, 1.0
    # inwards to the unit: the band never grants more than the grade allows
    low = math.ceil(round(max(price["floor"], low) / step, 6)) * step
    high = math.floor(round(max(price["floor"], high) / step, 6)) * step
    return {"min": round(low, 6), "max": round(max(low, high), 6)}
