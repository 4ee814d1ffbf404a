"""What an estimate returns: a bill, line by line, that shows itself in a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

__all__ = ["CostLine", "CostEstimate", "to_cents", "COMPONENTS"]

#: The parts of a Lambda bill, in the order AWS lists them.
COMPONENTS = ("requests", "duration", "provisioned_concurrency", "provisioned_duration", "ephemeral_storage",
              "snapstart", "durable_operations", "durable_data_written", "durable_data_retained",
              "managed_requests", "managed_instances", "managed_fee")

_CENT = Decimal("0.01")


def to_cents(usd: Decimal) -> Decimal:
    """Round dollars to the cent, half up, as AWS's examples present them (``1.488 -> 1.49``).

    Everything inside an estimate is exact; this is for showing, and comparing with a bill.

    >>> to_cents(Decimal("2.333338"))
    Decimal('2.33')
    """
    return Decimal(usd).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostLine:
    """One line of the bill: ``usd == quantity * rate`` exactly. Credits have a negative quantity."""

    name: str
    quantity: Decimal
    unit: str
    rate: Decimal
    usd: Decimal
    component: str  # one of COMPONENTS: a free-tier credit shares its charge's component

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "quantity": float(self.quantity), "unit": self.unit,
                "rate": float(self.rate), "usd": float(self.usd), "component": self.component}


@dataclass(frozen=True)
class CostEstimate:
    """A monthly Lambda bill: ``lines`` (charges, then free-tier credits) and their exact ``total_usd``.

    >>> est = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    >>> est.total_usd_rounded, est.subtotal("duration")
    (Decimal('2.73'), Decimal('2.333338000000'))

    Money is exact (``decimal.Decimal``); round with :func:`to_cents` (or ``total_usd_rounded``)
    only to show it. ``to_dict()`` gives plain floats for tables and charts.
    """

    lines: tuple[CostLine, ...]
    total_usd: Decimal
    inputs: Mapping[str, Any] = field(default_factory=dict)
    region: str = "us-east-1"
    source: str = ""
    as_of: str = ""

    @property
    def total_usd_rounded(self) -> Decimal:
        return to_cents(self.total_usd)

    def subtotal(self, component: str) -> Decimal:
        """Net dollars for one part of the bill (its charge less its free-tier credit)."""
        if component not in COMPONENTS:
            from ..errors import InvalidParameterValueError
            raise InvalidParameterValueError(
                f"No bill component {component!r}: ask for one of {', '.join(COMPONENTS)}.")
        return sum((line.usd for line in self.lines if line.component == component), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {"total_usd": float(self.total_usd), "currency": "USD", "region": self.region,
                "lines": [line.to_dict() for line in self.lines],
                "inputs": {k: float(v) if isinstance(v, Decimal) else v for k, v in self.inputs.items()},
                "source": self.source, "as_of": self.as_of}

    def __repr__(self) -> str:
        parts = ", ".join(f"{c.replace('_', ' ')} {_money(self.subtotal(c))}"
                          for c in COMPONENTS if any(line.component == c for line in self.lines))
        arch = self.inputs.get("architecture", "")
        where = f"{self.region} {arch}" if arch else self.region
        return f"<CostEstimate {_money(self.total_usd)} per month ({where}): {parts}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:{align}'>{name}</th>" for name, align in
                       (("item", "left"), ("quantity", "right"), ("unit", "left"), ("rate", "right"),
                        ("USD", "right")))
        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(line.name)}</td>"
            f"<td style='text-align:right'>{_quantity(line.quantity)}</td>"
            f"<td style='text-align:left'>{html.escape(line.unit)}</td>"
            f"<td style='text-align:right'>{html.escape(_rate(line))}</td>"
            f"<td style='text-align:right'>{_money(line.usd)}</td></tr>" for line in self.lines)
        total = (f"<tr><th style='text-align:left' colspan='4'>total per month</th>"
                 f"<th style='text-align:right'>{_money(self.total_usd)}</th></tr>")
        note = (f"<caption style='caption-side:bottom;text-align:left;font-size:smaller'>{html.escape(self.region)}"
                f" prices as of {html.escape(self.as_of)}, from <a href='{html.escape(self.source)}'>"
                f"{html.escape(self.source)}</a>; amounts are exact, shown to the cent.</caption>")
        return f"<table>{note}<thead><tr>{head}</tr></thead><tbody>{rows}{total}</tbody></table>"


def _money(usd: Decimal) -> str:
    cents = to_cents(usd)
    if cents == 0:
        return "$0.00"  # not "$-0.00" for a credit of a fraction of a cent
    return f"−${-cents:,}" if cents < 0 else f"${cents:,}"


def _quantity(quantity: Decimal) -> str:
    if quantity == quantity.to_integral_value():
        return f"{quantity:,.0f}"
    return f"{quantity:,.2f}" if abs(quantity) >= 1 else f"{quantity:.3g}"  # 0.00125 GB-s, not 0.00


def _rate(line: CostLine) -> str:
    if line.unit == "requests":
        return f"${line.rate * 1_000_000:.2f} per 1M"
    return f"${line.rate.normalize():f} per {line.unit}"
