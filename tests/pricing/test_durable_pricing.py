"""Durable functions' extra charges: operations, data written, data retained (prices as data)."""

from decimal import Decimal

import pytest

from lambda_lab.errors import InvalidParameterValueError
from lambda_lab.pricing import estimate_durable, load_durable_prices, to_cents


def test_prices_carry_their_source_and_date():
    prices = load_durable_prices()
    assert prices["source"].startswith("https://aws.amazon.com/lambda/pricing/") and prices["as_of"]
    assert prices["regions"]["us-east-1"]["operations_per_million"] == "8.00"


def test_a_million_operations_cost_eight_dollars():
    est = estimate_durable(executions=1_000_000, operations=1, data_written_kb=0)
    assert est.subtotal("durable_operations") == Decimal("8.00")
    assert est.total_usd == Decimal("8.00")


def test_data_written_and_kept_for_the_retention_period():
    # 1 GB written (1,048,576 executions x 1 KB), kept 14 days after the end: 14 / (730/24) GB-months.
    est = estimate_durable(executions=1_048_576, operations=0, data_written_kb=1, retention_days=14)
    assert est.subtotal("durable_data_written") == Decimal("0.25")
    assert to_cents(est.subtotal("durable_data_retained")) == to_cents(Decimal("0.15") * 14 * 24 / 730)


@pytest.mark.parametrize("kwargs", [{"executions": -1}, {"operations": "six"}, {"region": "mars-1"}])
def test_bad_input_says_what_to_do(kwargs):
    base = {"executions": 1, "operations": 1, "data_written_kb": 1}
    with pytest.raises(InvalidParameterValueError):
        estimate_durable(**{**base, **kwargs})
