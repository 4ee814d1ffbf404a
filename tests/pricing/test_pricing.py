"""lambda_lab.pricing against AWS's own worked examples, and the rules of the bill one by one.

The examples are from https://aws.amazon.com/lambda/pricing/ ("All examples below are based on price in
US East (N. Virginia)"), read from a stored copy of the page that already lists Lambda Managed Instances
and durable functions (so, late 2025 or later). Each case quotes AWS's inputs and AWS's stated results;
we compare at the cent, the way the page presents them, while the estimate itself stays exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest

from lambda_lab.errors import InvalidParameterValueError, LambdaLabError
from lambda_lab.invocation import Invocation
from lambda_lab.pricing import (COMPONENTS, CostEstimate, estimate, estimate_from, known_regions, load_prices,
                                to_cents)

D = Decimal


def cents(value) -> Decimal:
    return to_cents(D(value))


# --- AWS's worked examples -------------------------------------------------------------------------
# Each: (inputs to estimate, AWS's line results by bill component, AWS's stated total or None).

AWS_EXAMPLES = [
    # "Example 1: Mobile application backend": "three million requests per month. The average function
    # execution duration is 120 ms. You have configured your function with 1536 MB of memory, on an x86
    # based processor." -> "140,000 * $0.0000166667 = $2.33", "2M * $0.2/M = $0.40",
    # "Total charges = Compute charges + Request charges = $2.33 + $0.40 = $2.73 per month"
    pytest.param(dict(requests=3_000_000, duration_ms=120, memory_mb=1536),
                 {"duration": "2.33", "requests": "0.40"}, "2.73", id="mobile-app-backend"),

    # "Example 2: Enriching streaming telemetry with additional metadata": 10,000 vehicles, hourly:
    # "10,000 * 24 * 31 = 7,440,000 messages"; "1 GB of memory, and function execution takes two seconds".
    # -> "7.44M * $0.20/million = $1.488 ~= $1.49", "14.88M GB-s * $0.0000166667 = $248.00",
    # "$1.49 + $248.00 = $249.49". The page leaves the free tier out of this example, so do we.
    pytest.param(dict(requests=7_440_000, duration_ms=2_000, memory_mb=1024, free_tier=False),
                 {"requests": "1.49", "duration": "248.00"}, "249.49", id="streaming-telemetry-ml"),

    # "Example 3: Performing ML on customer support tickets": "six million requests per month. The average
    # function execution duration is 280 ms. You configure your function with 4096 MB of memory on an x86
    # based processor. You also configure your function to use 2048 MB of ephemeral storage."
    # -> "6,320,000 * $0.0000166667 = $105.33", "5 million * $0.2/million = $1",
    # "2,520,000 * $0.0000000309 = $0.08", "$105.33 + $1 + $0.08 = $106.41 per month"
    pytest.param(dict(requests=6_000_000, duration_ms=280, memory_mb=4096, ephemeral_mb=2048),
                 {"duration": "105.33", "requests": "1.00", "ephemeral_storage": "0.08"}, "106.41",
                 id="ml-support-tickets-ephemeral-storage"),

    # Provisioned Concurrency "Example 1: Mobile application launch": 3M requests, 1536 MB, x86;
    # "You set Provisioned Concurrency to 100" for eight hours; "During these eight hours, your functions
    # received 500,000 requests. The average function execution duration while Provisioned Concurrency is
    # enabled is 100 ms", the other 2.5M requests at 120 ms on demand.
    # -> "4.32M GB-s * $0.0000041667 = $18", "2 * $0.20 = $0.40", "75,000 GB-s * $0.0000097222 = $0.73",
    # "50,000 * $0.0000166667 = $0.83", "Total charges = $18 + $0.40 + $0.73 + $0.83 = $19.96".
    # The page takes the 1M free requests off all 3M requests (yet says the free tier does not apply to
    # provisioned concurrency); we credit them against the 2.5M on-demand requests: $0.40 either way.
    pytest.param(dict(requests=3_000_000, duration_ms=120, memory_mb=1536, provisioned=100, provisioned_hours=8,
                      provisioned_requests=500_000, provisioned_duration_ms=100),
                 {"provisioned_concurrency": "18.00", "requests": "0.40", "provisioned_duration": "0.73",
                  "duration": "0.83"}, "19.96", id="provisioned-mobile-app-launch"),

    # Provisioned Concurrency "Example 2: Routing customers ... during Cyber Monday": "two million requests
    # during the 24 hours of the sale event, while Provisioned Concurrency is enabled. The average function
    # execution duration is 280 ms. You configure your function with 4,096 MB of memory on an x86 based
    # processor, and set Provisioned Concurrency at seven." -> "2,419,200 GB-s * $0.0000041667 = $10.08",
    # "2,240,000 GB-s * $0.0000097222 = $21.78", "2M * $0.2/M = $0.40", "= $10.08 + $21.78 + $0.40 = $32.26".
    # Every request is served by provisioned environments, so no free tier applies (as on the page).
    pytest.param(dict(requests=2_000_000, duration_ms=280, memory_mb=4096, provisioned=7, provisioned_hours=24,
                      provisioned_requests=2_000_000),
                 {"provisioned_concurrency": "10.08", "provisioned_duration": "21.78", "requests": "0.40"},
                 "32.26", id="provisioned-cyber-monday"),

    # arm64: the "Lambda Durable Functions Pricing" example: "1,000,000 insurance claims per month",
    # "configured with 1GB of memory on an ARM-based processor"; "Total compute (seconds) 1,000,000 x 32s",
    # "2 invocations (initial + after wait) x 1,000,000 = 2,000,000 requests" -> "31,600,000 x $0.0000133334
    # = $421.34", "1M x $0.20/M = $0.20". Durable operations, data written and retention ($68.92 of the
    # page's $490.46) are not Lambda compute and are not modelled, so there is no total to compare.
    # 2M requests of 16 s on average = the 32M seconds AWS counts.
    pytest.param(dict(requests=2_000_000, duration_ms=16_000, memory_mb=1024, architecture="arm64"),
                 {"duration": "421.34", "requests": "0.20"}, None, id="arm64-durable-functions-compute"),

    # "Lambda HTTP Response Stream Pricing" example: "three million requests per month", "The average
    # function duration is 500ms. You have configured your function with 1536 MB of memory on an x86 based
    # processor." -> "1,850,000 * $0.0000166667 = $30.83", "2M * $0.2/M = $0.40". The bytes-streamed charge
    # ($7.81 of the page's $39.04) is not modelled.
    pytest.param(dict(requests=3_000_000, duration_ms=500, memory_mb=1536),
                 {"duration": "30.83", "requests": "0.40"}, None, id="response-streaming-compute"),

    # "Provisioned Mode for Event Source Mapping" "Pricing Example 2" (SQS): "1,024MB memory for x86
    # processor, and experiences 1M invocations per day with 1 seconds average duration" -> "30,000,000 *
    # $0.0000166667 = $500", "30M requests * $0.20 = $6" (per million). No free tier on the page here.
    # The EPU charge ($74 of the page's $580) is not modelled.
    pytest.param(dict(requests=30_000_000, duration_ms=1_000, memory_mb=1024, free_tier=False),
                 {"duration": "500.00", "requests": "6.00"}, None, id="esm-sqs-compute"),

    # "Provisioned Mode for Event Source Mapping" "Pricing Example 3" (10 Kafka ESMs): 1,024MB, x86,
    # "1M invocations per day with 0.2 seconds average duration" for each of 10 ESMs -> "60,000,000 *
    # $0.0000166667 = $1,000", "300M requests * $0.20 = $60.00". No free tier on the page here; the EPU
    # charge ($133.2) is not modelled.
    pytest.param(dict(requests=300_000_000, duration_ms=200, memory_mb=1024, free_tier=False),
                 {"duration": "1000.00", "requests": "60.00"}, None, id="esm-kafka-compute"),
]


@pytest.mark.parametrize("inputs, aws_lines, aws_total", AWS_EXAMPLES)
def test_reproduces_aws_pricing_page_examples(inputs, aws_lines, aws_total):
    est = estimate(**inputs)
    assert {c: cents(est.subtotal(c)) for c in aws_lines} == {c: D(v) for c, v in aws_lines.items()}
    if aws_total is not None:
        assert est.total_usd_rounded == D(aws_total)
        # Nothing else on the bill: AWS's lines are all of it.
        assert {line.component for line in est.lines if line.usd} <= set(aws_lines)


def _old_prices() -> dict:
    prices = load_prices()
    prices["regions"]["us-east-1"]["duration"]["x86_64"][0]["rate"] = "0.00001667"
    return prices


# The pricing page before the December 2020 change to 1 ms billing quoted the compute price rounded to
# "$0.00001667 per GB-s" and billed in 100 ms steps (these durations are whole 100 ms, so the steps do not
# matter). Its examples are reproduced with that one price changed, through ``prices=``.
OLD_PAGE_EXAMPLES = [
    # "If you allocated 512MB of memory to your function, executed it 3 million times in one month, and it
    # ran for 1 second each time" -> "1,100,000 * $0.00001667 = $18.34", "2M * $0.2/M = $0.40",
    # "$18.34 + $0.40 = $18.74 per month". (At today's $0.0000166667 it is $18.33 + $0.40 = $18.73.)
    pytest.param(dict(requests=3_000_000, duration_ms=1_000, memory_mb=512),
                 {"duration": "18.34", "requests": "0.40"}, "18.74", id="old-example-1-512mb"),
    # "If you allocated 128MB of memory to your function, executed it 30 million times in one month, and it
    # ran for 200ms each time" -> "350,000 * $0.00001667 = $5.83", "29M * $0.2/M = $5.80",
    # "$5.83 + $5.80 = $11.63 per month"
    pytest.param(dict(requests=30_000_000, duration_ms=200, memory_mb=128),
                 {"duration": "5.83", "requests": "5.80"}, "11.63", id="old-example-2-128mb"),
]


@pytest.mark.parametrize("inputs, aws_lines, aws_total", OLD_PAGE_EXAMPLES)
def test_reproduces_the_pre_2020_pricing_page_examples_with_their_price(inputs, aws_lines, aws_total):
    est = estimate(**inputs, prices=_old_prices())
    assert {c: cents(est.subtotal(c)) for c in aws_lines} == {c: D(v) for c, v in aws_lines.items()}
    assert est.total_usd_rounded == D(aws_total)


def test_tenant_isolation_example_compute_line_is_rounded_up_on_the_page():
    # "Tenant Isolation Pricing" example: 10M invokes of 2 s at 1024 MB, x86, no free tier:
    # "Monthly compute charges: 20M * $0.0000166667 = $333.34". The exact product is $333.334, which
    # rounds to $333.33; the page rounds this one line up. We keep the exact amount.
    est = estimate(requests=10_000_000, duration_ms=2_000, memory_mb=1024, free_tier=False)
    assert est.subtotal("duration") == D("333.334")
    assert cents(est.subtotal("requests")) == D("2.00")  # "Monthly request charges: 10M * $0.2/M = $2."


@dataclass
class FakeInvocation:
    billed_ms: int
    memory_mb: int
    init_ms: float | None = None
    cold: bool = False
    throttled: bool = False


def test_durable_functions_example_from_measured_invocations():
    # The arm64 example again, this time as AWS describes the work: per claim, one invocation runs the
    # 30 s analysis step, and a second (after the wait) the 2 s payment step.
    runs = [FakeInvocation(billed_ms=30_000, memory_mb=1024), FakeInvocation(billed_ms=2_000, memory_mb=1024)]
    est = estimate_from(runs, monthly_requests=2_000_000, architecture="arm64")
    assert cents(est.subtotal("duration")) == D("421.34")
    assert cents(est.subtotal("requests")) == D("0.20")


# --- the rules of the bill -------------------------------------------------------------------------

# GB-s = requests here (1,000 ms at 1024 MB is 1 GB-s), so each case reads as GB-s per tier.
TIERS = [
    ("x86_64", 6_000_000_000, [6_000_000_000]),
    ("x86_64", 6_001_000_000, [6_000_000_000, 1_000_000]),
    ("x86_64", 16_000_000_000, [6_000_000_000, 9_000_000_000, 1_000_000_000]),
    ("arm64", 7_500_000_000, [7_500_000_000]),
    ("arm64", 7_501_000_000, [7_500_000_000, 1_000_000]),
    ("arm64", 20_000_000_000, [7_500_000_000, 11_250_000_000, 1_250_000_000]),
]


@pytest.mark.parametrize("architecture, gb_s, per_tier", TIERS)
def test_duration_tiers_split_the_month_at_their_boundaries(architecture, gb_s, per_tier):
    est = estimate(requests=gb_s, duration_ms=1_000, memory_mb=1024, architecture=architecture, free_tier=False)
    duration = [line for line in est.lines if line.component == "duration"]
    assert [line.quantity for line in duration] == [D(q) for q in per_tier]
    assert all(line.usd == line.quantity * line.rate for line in duration)


def test_a_month_straddling_6_billion_gb_s_prices_each_side_at_its_rate():
    est = estimate(requests=6_001_000_000, duration_ms=1_000, memory_mb=1024, free_tier=False)
    # 6e9 x $0.0000166667 + 1e6 x $0.000015
    assert est.subtotal("duration") == D("100000.2") + D("15")


@pytest.mark.parametrize("duration_ms, billed_ms", [(1.1, 2), (1.0, 1), (0.4, 1), (2.0, 2), (119.999, 120),
                                                    (120, 120), (100.01, 101)])
def test_each_request_bills_duration_rounded_up_to_the_next_ms(duration_ms, billed_ms):
    est = estimate(requests=1_000, duration_ms=duration_ms, memory_mb=1024, free_tier=False)
    assert est.lines[1].quantity == D(billed_ms)  # 1,000 requests x billed ms / 1000 x 1 GB


@pytest.mark.parametrize("duration_ms, init_ms, cold_start_rate, gb_s", [
    (100, 0, 0.0, 100),            # all warm: 1,000 x 100 ms
    (100, 250, 0.0, 100),          # INIT only counts on cold starts
    (100, 250, 1.0, 350),          # every request cold: 1,000 x (100 + 250) ms
    (100.2, 250.5, 0.1, 126),      # 900 x ceil(100.2)=101 + 100 x ceil(350.7)=351 -> 126,000 ms
])
def test_cold_starts_bill_their_init_duration(duration_ms, init_ms, cold_start_rate, gb_s):
    est = estimate(requests=1_000, duration_ms=duration_ms, memory_mb=1024, init_ms=init_ms,
                   cold_start_rate=cold_start_rate, free_tier=False)
    assert est.lines[1].quantity == D(gb_s)


@pytest.mark.parametrize("requests, duration_ms, memory_mb", [
    (0, 100, 128), (10, 100, 128), (1_000_000, 3_000, 128), (999_999, 400, 1024),
    (1_000_001, 400, 1024), (3_000_000, 120, 1536), (100_000_000, 1_000, 10_240),
])
def test_free_tier_credit_never_exceeds_the_charge(requests, duration_ms, memory_mb):
    est = estimate(requests=requests, duration_ms=duration_ms, memory_mb=memory_mb)
    for component in ("requests", "duration"):
        charged = sum(line.usd for line in est.lines if line.component == component and line.usd > 0)
        credited = -sum(line.usd for line in est.lines if line.component == component and line.usd < 0)
        assert 0 <= credited <= charged
    assert est.total_usd >= 0


def test_usage_inside_the_free_tier_costs_nothing():
    est = estimate(requests=10_000, duration_ms=100, memory_mb=128)
    assert est.total_usd == 0
    assert est.total_usd_rounded == D("0.00")


def test_without_the_free_tier_there_are_no_credits():
    est = estimate(requests=10_000, duration_ms=100, memory_mb=128, free_tier=False)
    assert all(line.usd >= 0 for line in est.lines)
    assert est.total_usd == D(10_000) * D("0.0000002") + D(1_000) * D("0.125") * D("0.0000166667")


def test_free_tier_does_not_cover_provisioned_concurrency():
    est = estimate(requests=100_000, duration_ms=100, memory_mb=1024, provisioned=1, provisioned_hours=730)
    assert not any(line.name.startswith("Free tier") for line in est.lines)  # nothing ran on demand
    assert est.subtotal("provisioned_concurrency") == D(1) * 730 * 3600 * D("0.0000041667")


@pytest.mark.parametrize("kwargs, provisioned_requests", [
    (dict(provisioned=10, provisioned_hours=730), 1_000_000),   # on all month: every request
    (dict(provisioned=10, provisioned_hours=365), 500_000),     # half the month: half the requests
    (dict(provisioned=1, provisioned_hours=730, duration_ms=10_000), 262_800),  # 1 env x 730 h / 10 s
    (dict(provisioned=0), 0),
])
def test_requests_split_between_provisioned_and_on_demand(kwargs, provisioned_requests):
    inputs = dict(requests=1_000_000, duration_ms=100, memory_mb=1024, free_tier=False) | kwargs
    est = estimate(**inputs)
    assert est.inputs["provisioned_requests"] == provisioned_requests
    gb_s = D(inputs["duration_ms"]) / 1000  # per request, at 1 GB
    assert est.subtotal("provisioned_duration") == provisioned_requests * gb_s * D("0.0000097222")
    assert est.subtotal("duration") == (1_000_000 - provisioned_requests) * gb_s * D("0.0000166667")
    assert est.subtotal("requests") == D("0.20")  # every request pays the request price


def test_arm64_uses_arm64_prices():
    est = estimate(requests=2_000_000, duration_ms=1_000, memory_mb=1024, architecture="arm64", free_tier=False,
                   provisioned=1, provisioned_hours=730, provisioned_requests=1_000_000)
    assert est.subtotal("duration") == 1_000_000 * D("0.0000133334")
    assert est.subtotal("provisioned_duration") == 1_000_000 * D("0.0000077778")
    assert est.subtotal("provisioned_concurrency") == 730 * 3600 * D("0.0000033334")


def test_ephemeral_storage_bills_only_what_is_over_512_mb():
    assert estimate(requests=1_000, duration_ms=1_000, memory_mb=128).subtotal("ephemeral_storage") == 0
    est = estimate(requests=1_000, duration_ms=1_000, memory_mb=128, ephemeral_mb=1536, free_tier=False)
    assert est.subtotal("ephemeral_storage") == 1_000 * D("0.0000000309")  # 1,000 s x 1 GB over 512 MB


# --- estimate_from: measured invocations -----------------------------------------------------------

def test_estimate_from_scales_a_sample_and_skips_throttled_calls():
    sample = [FakeInvocation(100, 512), FakeInvocation(100, 512), FakeInvocation(100, 512),
              FakeInvocation(350, 512, init_ms=250.0, cold=True), FakeInvocation(0, 0, throttled=True)]
    est = estimate_from(sample, monthly_requests=4_000_000)
    same = estimate(requests=4_000_000, duration_ms=100, memory_mb=512, init_ms=250, cold_start_rate=0.25)
    assert est.total_usd == same.total_usd
    assert (est.inputs["sample_size"], est.inputs["throttled_ignored"], est.inputs["cold_starts"]) == (4, 1, 1)


def test_estimate_from_prices_the_sample_as_it_is_by_default():
    est = estimate_from((FakeInvocation(1_000, 1024) for _ in range(10)), free_tier=False)  # any iterable
    assert est.total_usd == 10 * D("0.0000002") + 10 * D("0.0000166667")


def test_estimate_from_accepts_lambda_lab_invocations():
    def run(billed_ms: int, init_ms: float | None) -> Invocation:
        return Invocation(function_name="hello", request_id="r", payload=None, error=None, function_error=None,
                          cold=init_ms is not None, init_ms=init_ms, duration_ms=billed_ms - 0.5,
                          billed_ms=billed_ms, memory_mb=128, max_memory_mb=60, logs="")
    runs = [run(300, 250.2), run(3, None), run(3, None), Invocation.throttle("hello", "Rate exceeded")]
    est = estimate_from(runs, monthly_requests=3_000_000, free_tier=False)
    assert est.lines[1].quantity == D(306) * 1_000_000 / 1000 * D("0.125")


@pytest.mark.parametrize("invocations, fragment", [
    ([], "No billable invocations"),
    ([FakeInvocation(0, 0, throttled=True)], "No billable invocations"),
    ([FakeInvocation(-1, 128)], "invocations[0].billed_ms"),
    ([FakeInvocation(5, 128), FakeInvocation(5, 0)], "invocations[1]: MemorySize 0"),
    ([FakeInvocation(0, 0, throttled=True), FakeInvocation(5, 64)], "invocations[1]: MemorySize 64"),
])
def test_estimate_from_rejects_what_it_cannot_price(invocations, fragment):
    with pytest.raises(InvalidParameterValueError) as caught:
        estimate_from(invocations)
    assert fragment in str(caught.value)


# --- bad input: a clear error that says what to do -------------------------------------------------

GOOD = dict(requests=1_000_000, duration_ms=100, memory_mb=128)
BAD_INPUTS = [
    (dict(requests=-1), "requests must be a number of 0 or more"),
    (dict(requests="1M"), "requests must be a number of 0 or more"),
    (dict(duration_ms=-5), "duration_ms must be a number of 0 or more"),
    (dict(duration_ms=float("nan")), "duration_ms must be a number of 0 or more"),
    (dict(memory_mb=64), "MemorySize 64 is out of range"),
    (dict(memory_mb=10_241), "MemorySize 10241 is out of range"),
    (dict(memory_mb=512.5), "MemorySize 512.5 is out of range"),
    (dict(ephemeral_mb=256), "EphemeralStorage 256 is out of range"),
    (dict(ephemeral_mb=10_241), "EphemeralStorage 10241 is out of range"),
    (dict(architecture="x86"), "Unknown architecture 'x86': Lambda runs functions on 'x86_64' or 'arm64'"),
    (dict(architecture="ARM64"), "Unknown architecture 'ARM64'"),
    (dict(cold_start_rate=1.5), "cold_start_rate 1.5 is a fraction of requests"),
    (dict(cold_start_rate=-0.1), "cold_start_rate must be a number of 0 or more"),
    (dict(init_ms=-1), "init_ms must be a number of 0 or more"),
    (dict(provisioned=-1), "provisioned must be a whole number of environments"),
    (dict(provisioned=2.5), "provisioned must be a whole number of environments"),
    (dict(provisioned=1, provisioned_hours=800), "provisioned_hours 800 is longer than a month"),
    (dict(provisioned=1, provisioned_hours=-1), "provisioned_hours must be a number of 0 or more"),
    (dict(free_tier="yes"), "free_tier must be True or False"),
    (dict(region="mars-north-1"), "No Lambda prices for region 'mars-north-1'. lambda_lab knows 'us-east-1'"),
    (dict(provisioned_requests=10), "no provisioned concurrency is enabled"),
    (dict(provisioned=1, provisioned_requests=2_000_000), "is more than requests"),
    (dict(provisioned=1, provisioned_hours=1, provisioned_requests=100_000),
     "1 provisioned environments can serve at most 36,000 requests"),
]


@pytest.mark.parametrize("change, message", BAD_INPUTS)
def test_bad_input_is_refused_with_a_message_that_says_what_to_do(change, message):
    with pytest.raises(InvalidParameterValueError) as caught:
        estimate(**(GOOD | change))
    text = str(caught.value)
    assert message in text
    assert any(hint in text for hint in ("e.g.", "use ", "raise ", "set ")), text
    assert isinstance(caught.value, LambdaLabError) and caught.value.aws_code == "InvalidParameterValueException"


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(InvalidParameterValueError) as caught:
        estimate(**GOOD, region="eu-west-1")
    assert all(repr(region) in str(caught.value) for region in known_regions())


# --- the result and the price list -----------------------------------------------------------------

def test_estimate_is_exact_and_its_lines_add_up():
    est = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    assert isinstance(est.total_usd, Decimal) and est.total_usd == D("2.733338")
    assert sum(line.usd for line in est.lines) == est.total_usd
    assert all(line.usd == line.quantity * line.rate for line in est.lines)
    assert {line.component for line in est.lines} <= set(COMPONENTS)
    with pytest.raises(AttributeError):
        est.total_usd = D(0)  # frozen


def test_repr_is_a_one_line_summary():
    est = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    assert repr(est) == "<CostEstimate $2.73 per month (us-east-1 x86_64): requests $0.40, duration $2.33>"
    tiny = estimate(requests=10, duration_ms=1, memory_mb=128)  # credits of a fraction of a cent
    shown = repr(tiny) + tiny._repr_html_()
    assert "$-0.00" not in shown and "−$0.00" not in shown and "-0.00<" not in shown


def test_repr_html_is_a_table_of_the_lines():
    est = estimate(requests=6_000_000, duration_ms=280, memory_mb=4096, ephemeral_mb=2048)
    page = est._repr_html_()
    assert page.startswith("<table") and page.endswith("</table>")
    assert page.count("<tr>") == len(est.lines) + 2  # header, lines, total
    assert "Ephemeral storage over 512 MB" in page and "$106.41" in page and "−$6.67" in page
    assert "https://aws.amazon.com/lambda/pricing/" in page


def test_to_dict_is_plain_json():
    est = estimate(requests=D(3_000_000), duration_ms=120, memory_mb=1536, provisioned=2)
    data = json.loads(json.dumps(est.to_dict()))
    assert data["total_usd"] == pytest.approx(float(est.total_usd))
    assert [line["name"] for line in data["lines"]] == [line.name for line in est.lines]
    assert data["inputs"]["memory_mb"] == 1536 and data["source"] == "https://aws.amazon.com/lambda/pricing/"


def test_price_list_carries_its_source_and_date_and_is_a_copy():
    prices = load_prices()
    assert prices["source"] == "https://aws.amazon.com/lambda/pricing/" and prices["as_of"]
    assert "us-east-1" in known_regions()
    prices["regions"]["us-east-1"]["requests_per_million"] = "100"
    assert load_prices()["regions"]["us-east-1"]["requests_per_million"] == "0.20"
    assert isinstance(estimate(**GOOD), CostEstimate)


# -- SnapStart (Python and .NET): https://aws.amazon.com/lambda/pricing/ ("Lambda SnapStart pricing")
# The cache is billed per GB-s of memory while a version is active, for at least 3 hours; each
# restore per GB restored; the restore's Billed Restore Duration as duration.

def test_snapstart_adds_the_cache_and_a_charge_per_restore_and_bills_restores_not_init():
    month = estimate(requests=1_000_000, duration_ms=100, memory_mb=1024, cold_start_rate=0.01,
                     snapstart_versions=1, billed_restore_ms=300, free_tier=False)
    cache = next(line for line in month.lines if line.name.startswith("SnapStart cache"))
    restores = next(line for line in month.lines if line.name == "SnapStart restores")
    assert cache.quantity == Decimal(1 * 730 * 3600) and cache.rate == Decimal("0.0000015046")
    assert restores.quantity == Decimal(10_000) and restores.rate == Decimal("0.0001397998")
    # 1,000,000 x 100 ms + 10,000 restores x 300 ms, at 1 GB
    assert month.subtotal("duration") == (Decimal(103_000) * Decimal("0.0000166667"))
    assert round(month.subtotal("snapstart"), 4) == round(Decimal("3.9540888") + Decimal("1.397998"), 4)


def test_snapstart_cache_is_billed_for_at_least_three_hours():
    short = estimate(requests=100, duration_ms=10, memory_mb=2048, snapstart_versions=2, snapstart_hours=1,
                     free_tier=False)
    cache = next(line for line in short.lines if line.name.startswith("SnapStart cache"))
    assert cache.quantity == 2 * 2 * 3 * 3600       # 2 versions x 2 GB x 3 h, not 1 h


def test_snapstart_estimates_refuse_init_ms_and_provisioned_concurrency():
    with pytest.raises(InvalidParameterValueError, match="billed_restore_ms"):
        estimate(requests=100, duration_ms=10, memory_mb=128, snapstart_versions=1, init_ms=500, cold_start_rate=0.1)
    with pytest.raises(InvalidParameterValueError, match="provisioned"):
        estimate(requests=100, duration_ms=10, memory_mb=128, snapstart_versions=1, provisioned=1)


def test_estimate_from_prices_measured_restores():
    from types import SimpleNamespace
    runs = [SimpleNamespace(billed_ms=10, memory_mb=1024, init_ms=None, cold=True, billed_restore_ms=40),
            SimpleNamespace(billed_ms=10, memory_mb=1024, init_ms=None, cold=False, billed_restore_ms=None)]
    bill = estimate_from(runs, free_tier=False)
    restores = next(line for line in bill.lines if line.name == "SnapStart restores")
    assert restores.quantity == 1
    assert bill.subtotal("duration") == Decimal(60) / 1000 * Decimal("0.0000166667")
