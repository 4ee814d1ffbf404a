"""Exercise 9 (after notebook 10): a month's bill, worked out by hand.

Every answer is compared, within a cent (or a GB-second), with ``lambda_lab.pricing.estimate``
for the workload the exercise describes. A few common slips (the other architecture's price,
1,000 MB to the GB, a free-tier credit larger than the usage) get a message of their own.
"""

from __future__ import annotations

from decimal import Decimal
from numbers import Real

from ..checks import Fail, exercise

ex09 = exercise("ex09", "A cost estimate by hand")

REQUESTS = 5_000_000
ARM = dict(requests=REQUESTS, duration_ms=120, memory_mb=512, architecture="arm64")
X86 = dict(requests=REQUESTS, duration_ms=90, memory_mb=1024, architecture="x86_64")
_CENT = 0.01


def _number(ns, name: str) -> float:
    value = ns.get(name)
    if value is None:
        raise Fail(f"`{name}` is None: set it to the number your code computes")
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        raise Fail(f"`{name}` should be a number (dollars or GB-seconds), not {value!r:.60}")
    return float(value)


def _usd(workload: dict, **changes) -> float:
    from ...pricing import estimate
    return float(estimate(**{**workload, **changes}).total_usd)


def _slip(value: float, slips: dict[str, float]) -> str:
    """The message for the first known slip the value matches, if any."""
    for message, wrong in slips.items():
        if abs(value - wrong) <= _CENT / 2:
            return " (" + message + ")"
    return ""


def _check_usd(ns, name: str, expected: float, what: str, slips: dict[str, float]) -> None:
    value = _number(ns, name)
    assert abs(value - expected) <= _CENT, (
        f"{name} = {value:,.4f} is more than a cent away from what {what} costs a month{_slip(value, slips)}")


def _price_per_gb_s(architecture: str) -> float:
    from ...pricing import load_prices
    tiers = load_prices()["regions"]["us-east-1"]["duration"][architecture]
    return float(tiers[0]["rate"])


@ex09.check(points=1, hint="GB-seconds = requests x seconds per request x GB: 120 ms is 0.12 s, and 512 MB is "
                           "512 / 1024 GB.")
def gb_seconds_of_the_month(ns):
    value = _number(ns, "GB_SECONDS")
    expected = REQUESTS * 0.120 * 512 / 1024
    slips = {"120 ms is 0.12 s: convert milliseconds to seconds": REQUESTS * 120 * 512 / 1024,
             "1 GB is 1,024 MB, not 1,000": REQUESTS * 0.120 * 512 / 1000,
             "memory in GB, not MB": REQUESTS * 0.120 * 512}
    assert abs(value - expected) <= 1, (f"GB_SECONDS = {value:,.1f} is not the month's GB-seconds for 5 million "
                                        f"calls of 120 ms at 512 MB{_slip(value, slips) if value else ''}")


@ex09.check(points=2, hint="requests x $0.20 per million, plus GB-seconds x arm64's price per GB-second "
                           "($0.0000133334).")
def monthly_bill_without_the_free_tier(ns):
    expected = _usd(ARM, free_tier=False)
    slips = {"that is x86_64's price per GB-second; this function runs on arm64": _usd(ARM, architecture="x86_64",
                                                                                        free_tier=False),
             "that has the free tier taken off; this answer is without it": _usd(ARM),
             "the requests are missing": _usd(ARM, free_tier=False) - REQUESTS * 0.2 / 1e6,
             "the duration is missing": REQUESTS * 0.2 / 1e6}
    _check_usd(ns, "MONTHLY_USD", expected, "the arm64 workload, without the free tier,", slips)


@ex09.check(points=1, hint="Take the free 1 million requests and 400,000 GB-seconds off the usage first; a "
                           "credit never makes a charge negative: max(0, ...).")
def monthly_bill_with_the_free_tier(ns):
    expected = _usd(ARM)
    price = _price_per_gb_s("arm64")
    gb_s = REQUESTS * 0.120 * 512 / 1024
    slips = {"a credit cannot be more than the usage: the duration charge stops at $0, it does not go below":
             (REQUESTS - 1e6) * 0.2 / 1e6 + (gb_s - 400_000) * price,
             "the free tier is not taken off": _usd(ARM, free_tier=False)}
    _check_usd(ns, "MONTHLY_FREE_TIER_USD", expected, "the arm64 workload, with the free tier,", slips)


@ex09.check(points=1, hidden=True)
def x86_bill_without_the_free_tier(ns):
    expected = _usd(X86, free_tier=False)
    slips = {"that uses arm64's price per GB-second; this variant runs on x86_64": _usd(X86, architecture="arm64",
                                                                                        free_tier=False),
             "that has the free tier taken off; this answer is without it": _usd(X86)}
    _check_usd(ns, "X86_MONTHLY_USD", expected, "the x86_64 variant (1,024 MB, 90 ms), without the free tier,", slips)


@ex09.check(points=1, hidden=True)
def x86_bill_with_the_free_tier(ns):
    expected = _usd(X86)
    slips = {"the free tier is not taken off": _usd(X86, free_tier=False),
             "that uses arm64's price per GB-second; this variant runs on x86_64": _usd(X86, architecture="arm64")}
    _check_usd(ns, "X86_MONTHLY_FREE_TIER_USD", expected, "the x86_64 variant (1,024 MB, 90 ms), with the free tier,",
               slips)
