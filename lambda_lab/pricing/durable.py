"""What durable executions add to a Lambda bill: operations, data written, data retained.

>>> from lambda_lab.pricing import estimate_durable
>>> estimate_durable(executions=100_000, operations=6, data_written_kb=4, retention_days=14)
<CostEstimate $4.92 per month (us-east-1): durable operations $4.80, durable data written $0.10, durable data retained $0.03>

The invocations of a durable execution are priced as any Lambda invocation (``estimate``); this
adds the durable part. Prices live in ``durable_prices.json`` with their source and date.
https://aws.amazon.com/lambda/pricing/
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from pathlib import Path

from ..errors import InvalidParameterValueError
from ._result import CostEstimate, CostLine

__all__ = ["estimate_durable", "load_durable_prices"]

_FILE = Path(__file__).with_name("durable_prices.json")
_KB_PER_GB = Decimal(1024 * 1024)
_DAYS_PER_MONTH = Decimal(730) / Decimal(24)    # AWS's 730-hour month


@functools.lru_cache(maxsize=None)
def _stored() -> dict:
    return json.loads(_FILE.read_text())


def load_durable_prices() -> dict:
    """The durable functions price list as stored (source, date, notes, rates per region)."""
    return json.loads(json.dumps(_stored()))


def _amount(name: str, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value < 0:
        raise InvalidParameterValueError(f"{name} must be a number of 0 or more; got {value!r}.")
    return Decimal(str(value))


def estimate_durable(executions: float, operations: float, data_written_kb: float, retention_days: float = 14,
                     *, execution_days: float = 0, region: str = "us-east-1") -> CostEstimate:
    """The durable part of a month's bill for ``executions`` executions.

    ``operations`` and ``data_written_kb`` are per execution; the data is kept for the
    execution's own length (``execution_days``) plus ``retention_days`` after it ends
    (DurableConfig.RetentionPeriodInDays, AWS's default 14).
    """
    prices = _stored()
    if region not in prices["regions"]:
        raise InvalidParameterValueError(f"No durable functions prices for {region!r}: the list has "
                                         f"{', '.join(sorted(prices['regions']))}.")
    rates = {k: Decimal(v) for k, v in prices["regions"][region].items()}
    runs, ops = _amount("executions", executions), _amount("operations", operations)
    written_gb = runs * _amount("data_written_kb", data_written_kb) / _KB_PER_GB
    kept_months = (_amount("retention_days", retention_days) + _amount("execution_days", execution_days)) / _DAYS_PER_MONTH
    lines = [
        CostLine("durable operations", runs * ops, "operations", rates["operations_per_million"] / Decimal(10**6),
                 runs * ops * rates["operations_per_million"] / Decimal(10**6), "durable_operations"),
        CostLine("data written", written_gb, "GB", rates["data_written_per_gb"],
                 written_gb * rates["data_written_per_gb"], "durable_data_written"),
        CostLine("data retained", written_gb * kept_months, "GB-month", rates["data_retained_per_gb_month"],
                 written_gb * kept_months * rates["data_retained_per_gb_month"], "durable_data_retained"),
    ]
    return CostEstimate(lines=tuple(lines), total_usd=sum((line.usd for line in lines), Decimal(0)),
                        inputs={"executions": executions, "operations": operations, "data_written_kb": data_written_kb,
                                "retention_days": retention_days, "execution_days": execution_days},
                        region=region, source=prices["source"], as_of=prices["as_of"])
