"""What Lambda would cost: AWS's published prices as data, and pure functions over them.

>>> from lambda_lab.pricing import estimate
>>> estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
<CostEstimate $2.73 per month (us-east-1 x86_64): requests $0.40, duration $2.33>

Prices (with their source and date) live in ``prices.json``; see ``model`` for how the bill is built.
AWS: https://aws.amazon.com/lambda/pricing/
"""

from ._prices import ARCHITECTURES, known_regions, load_prices
from ._result import COMPONENTS, CostEstimate, CostLine, to_cents
from .durable import estimate_durable, load_durable_prices
from .managed_instances import estimate_managed, load_managed_prices
from .model import MAX_EPHEMERAL_MB, MIN_EPHEMERAL_MB, estimate, estimate_from

__all__ = ["estimate", "estimate_from", "estimate_durable", "load_durable_prices", "estimate_managed",
           "load_managed_prices", "CostEstimate", "CostLine", "to_cents", "load_prices", "known_regions",
           "ARCHITECTURES", "COMPONENTS", "MIN_EPHEMERAL_MB", "MAX_EPHEMERAL_MB"]
