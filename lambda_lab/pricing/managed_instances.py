"""What Lambda Managed Instances cost: requests, the instances, and the management fee.

>>> from lambda_lab.pricing import estimate_managed
>>> estimate_managed(requests=100_000_000, instance_type="m7g.xlarge", instances=3)
<CostEstimate $431.02 per month (us-east-1): managed requests $20.00, managed instances $357.41, managed fee $53.61>

No GB-second charge: what a month costs depends on how many instances run and for how long, not
on how long each request takes. Prices live in ``managed_instances_prices.json`` with their source
and date. https://aws.amazon.com/lambda/pricing/
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from pathlib import Path

from ..errors import InvalidParameterValueError
from ._result import CostEstimate, CostLine

__all__ = ["estimate_managed", "load_managed_prices"]

_FILE = Path(__file__).with_name("managed_instances_prices.json")


@functools.lru_cache(maxsize=None)
def _stored() -> dict:
    return json.loads(_FILE.read_text())


def load_managed_prices() -> dict:
    """The Managed Instances price list as stored (source, date, notes, rates per region)."""
    return json.loads(json.dumps(_stored()))


def _amount(name: str, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value < 0:
        raise InvalidParameterValueError(f"{name} must be a number of 0 or more; got {value!r}.")
    return Decimal(str(value))


def estimate_managed(requests: float, instance_type: str = "m7g.xlarge", instances: float = 3,
                     hours: float | None = None, *, region: str = "us-east-1") -> CostEstimate:
    """A month of a capacity provider running ``instances`` instances of ``instance_type`` for
    ``hours`` (the whole month, 730 h, by default) while its functions serve ``requests``."""
    prices = _stored()
    if region not in prices["regions"]:
        raise InvalidParameterValueError(f"No Managed Instances prices for {region!r}: the list has "
                                         f"{', '.join(sorted(prices['regions']))}.")
    rates = prices["regions"][region]
    if instance_type not in rates["instances_per_hour"]:
        raise InvalidParameterValueError(
            f"No price for instance type {instance_type!r} in {region}: the list has "
            f"{', '.join(sorted(rates['instances_per_hour']))}.")
    hourly = Decimal(rates["instances_per_hour"][instance_type])
    calls = _amount("requests", requests)
    instance_hours = _amount("instances", instances) * _amount("hours", prices["hours_per_month"] if hours is None else hours)
    per_request = Decimal(rates["requests_per_million"]) / Decimal(10**6)
    fee = Decimal(prices["management_fee"]) * hourly
    lines = (
        CostLine("requests", calls, "requests", per_request, calls * per_request, "managed_requests"),
        CostLine(f"{instance_type} instances", instance_hours, "instance-hours", hourly, instance_hours * hourly,
                 "managed_instances"),
        CostLine("management fee (15% of on-demand)", instance_hours, "instance-hours", fee, instance_hours * fee,
                 "managed_fee"),
    )
    return CostEstimate(lines=lines, total_usd=sum((line.usd for line in lines), Decimal(0)),
                        inputs={"requests": requests, "instance_type": instance_type, "instances": instances,
                                "hours": hours}, region=region, source=prices["source"], as_of=prices["as_of"])
