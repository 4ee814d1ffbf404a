"""Lambda Managed Instances' bill: requests, EC2 instance-hours, and a 15% management fee on the
on-demand price; no GB-second charge (https://aws.amazon.com/lambda/pricing/)."""

from decimal import Decimal

import pytest

from lambda_lab.errors import InvalidParameterValueError
from lambda_lab.pricing import estimate, estimate_managed, load_managed_prices, to_cents


def test_prices_carry_their_source_and_date():
    prices = load_managed_prices()
    assert prices["source"].startswith("https://aws.amazon.com/lambda/pricing/") and prices["as_of"]
    assert prices["management_fee"] == "0.15"
    assert prices["regions"]["us-east-1"]["requests_per_million"] == "0.20"


def test_three_instances_for_a_month_and_their_fee():
    # m7g.xlarge at $0.1632/h: 3 x 730 h = 2,190 instance-hours; the fee is 15% of $0.1632 an hour.
    est = estimate_managed(requests=0, instance_type="m7g.xlarge", instances=3)
    assert est.subtotal("managed_instances") == Decimal("2190") * Decimal("0.1632")
    assert est.subtotal("managed_fee") == Decimal("2190") * Decimal("0.1632") * Decimal("0.15")
    assert to_cents(est.total_usd) == Decimal("411.02")


def test_requests_cost_twenty_cents_a_million_and_duration_nothing():
    idle = estimate_managed(requests=0, instances=1, hours=1)
    busy = estimate_managed(requests=5_000_000, instances=1, hours=1)
    assert busy.total_usd - idle.total_usd == Decimal("1.00")
    assert not {line.component for line in busy.lines} & {"duration"}


def test_steady_heavy_traffic_is_where_managed_instances_pay_off():
    # The same month of requests, each 100 ms at 2 GB: on-demand Lambda bills the GB-seconds,
    # Managed Instances bill the instances whatever the requests do.
    light, heavy = 10_000_000, 2_000_000_000
    assert estimate(light, 100, 2048).total_usd < estimate_managed(light).total_usd
    assert estimate(heavy, 100, 2048).total_usd > estimate_managed(heavy, instances=6).total_usd


@pytest.mark.parametrize("kwargs", [{"requests": -1}, {"instance_type": "t2.nano"}, {"region": "mars-1"},
                                    {"instances": "three"}])
def test_bad_input_says_what_to_do(kwargs):
    with pytest.raises(InvalidParameterValueError):
        estimate_managed(**{"requests": 1, **kwargs})


def test_the_bill_links_to_the_pricing_page():
    html = estimate_managed(requests=1)._repr_html_()
    assert "href='https://aws.amazon.com/lambda/pricing/'" in html
