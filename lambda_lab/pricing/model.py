"""What Lambda would charge for a month of traffic: pure functions over the price list.

How the bill is built (each choice mirrors the pricing page, https://aws.amazon.com/lambda/pricing/):

- **Requests**: every request, on-demand or provisioned, at the request price.
- **Duration**: billed per request, rounded *up* to the next 1 ms. A cold start's INIT phase is billed
  too (on-demand ZIP functions on managed runtimes, since 2025-08-01): a fraction ``cold_start_rate``
  of on-demand requests bill ``ceil(duration + init)`` instead of ``ceil(duration)``.
  GB-s = billed seconds x memory_mb / 1024. The month's on-demand GB-s are priced across the tiers
  (x86_64: first 6 billion GB-s, next 9 billion, over 15 billion; arm64: 7.5 / 11.25 / 18.75 billion).
- **Provisioned concurrency**: the enabled time, memory GB x count x hours x 3600 s, at the
  "enabled" rate; and the duration of the requests those environments serve at the provisioned
  duration rate (not the on-demand rate, and not tiered). Provisioned environments are initialized
  ahead of time, so their requests are warm: no INIT in their billed duration. (AWS rounds the enabled
  time up to 5 minutes; ``provisioned_hours`` is taken as already billed.)
- **Ephemeral storage** above the 512 MB included: (ephemeral_mb - 512) / 1024 GB x every billed
  second (on-demand and provisioned).
- **Free tier** (1M requests and 400,000 GB-s a month): credits for on-demand requests and on-demand
  duration only, shown as negative lines, never more than what they credit. The duration credit comes
  off the first tier, at its rate.

Money is exact (``decimal.Decimal``) from price list to total; nothing is rounded until it is shown
(``to_cents``), which is how the totals on AWS's pricing page are reproduced to the cent.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal
from numbers import Integral, Real
from typing import Any, Iterable, Mapping

from ..errors import InvalidParameterValueError
from ..runtime.limits import validate_memory
from ._prices import ARCHITECTURES, RegionPrices, region_prices
from ._result import CostEstimate, CostLine

__all__ = ["estimate", "estimate_from", "MIN_EPHEMERAL_MB", "MAX_EPHEMERAL_MB"]

MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB = 512, 10_240
_MAX_HOURS_PER_MONTH = 31 * 24
_MB_PER_GB = Decimal(1024)
_MS_PER_S = Decimal(1000)


def estimate(requests: float, duration_ms: float, memory_mb: int, architecture: str = "x86_64",
             ephemeral_mb: int = 512, provisioned: int = 0, provisioned_hours: float = 730,
             free_tier: bool = True, init_ms: float = 0.0, cold_start_rate: float = 0.0,
             region: str = "us-east-1", *, provisioned_requests: float | None = None,
             provisioned_duration_ms: float | None = None, snapstart_versions: int = 0,
             snapstart_hours: float | None = None, billed_restore_ms: float = 0.0,
             prices: Mapping[str, Any] | None = None) -> CostEstimate:
    """What a month of ``requests`` averaging ``duration_ms`` at ``memory_mb`` would cost.

    >>> estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    <CostEstimate $2.73 per month (us-east-1 x86_64): requests $0.40, duration $2.33>

    With ``provisioned`` environments enabled for ``provisioned_hours`` of the month, the requests
    they serve are, as in AWS's examples, the ones that arrive while it is enabled: by default an
    even share of the month (``requests * provisioned_hours / 730``), but no more than the
    environments can serve back to back (``provisioned * hours * 3600 s / duration``); the rest run
    on demand. Pass ``provisioned_requests`` when you know the split (a launch-day spike), and
    ``provisioned_duration_ms`` if those requests run faster or slower than ``duration_ms``.
    ``prices`` is a changed copy of :func:`load_prices` for "what if" prices.

    With ``snapstart_versions`` (published versions with SnapStart, cached for ``snapstart_hours``,
    default the whole month, at least 3 hours each) the cold starts are restores: each costs the
    restore charge per GB of memory, and bills ``billed_restore_ms`` (REPORT's Billed Restore
    Duration) instead of ``init_ms``.

    AWS: https://aws.amazon.com/lambda/pricing/
    """
    table = region_prices(_region(region), prices)
    _check_architecture(architecture, table)
    requests_d = _amount("requests", requests)
    duration = _amount("duration_ms", duration_ms)
    memory_mb = validate_memory(memory_mb)
    ephemeral_mb = _ephemeral(ephemeral_mb)
    provisioned = _count("provisioned", provisioned)
    hours = _amount("provisioned_hours", provisioned_hours)
    if hours > _MAX_HOURS_PER_MONTH:
        raise InvalidParameterValueError(
            f"provisioned_hours {provisioned_hours!r} is longer than a month: use at most "
            f"{_MAX_HOURS_PER_MONTH} (31 days), e.g. provisioned_hours=730 for all month.")
    _check_free_tier(free_tier)
    init = _amount("init_ms", init_ms)
    cold_rate = _amount("cold_start_rate", cold_start_rate)
    if cold_rate > 1:
        raise InvalidParameterValueError(
            f"cold_start_rate {cold_start_rate!r} is a fraction of requests: use a number from 0 to 1 "
            f"(e.g. cold_start_rate=0.01 for 1 in 100).")
    versions = _count("snapstart_versions", snapstart_versions)
    restore = _amount("billed_restore_ms", billed_restore_ms)
    cached_hours = table.hours_per_month if snapstart_hours is None else _amount("snapstart_hours", snapstart_hours)
    if versions and init:
        raise InvalidParameterValueError(
            "With SnapStart, cold starts restore a snapshot instead of running INIT: give billed_restore_ms "
            "(REPORT's Billed Restore Duration), not init_ms.")
    if versions and provisioned:
        raise InvalidParameterValueError("SnapStart cannot be used with provisioned concurrency: price one or the other.")
    pc_ms = _ceil_ms(duration if provisioned_duration_ms is None
                     else _amount("provisioned_duration_ms", provisioned_duration_ms))
    pc_requests = _provisioned_requests(requests_d, provisioned, hours, pc_ms, provisioned_requests, table)

    gb = Decimal(memory_mb) / _MB_PER_GB
    od_requests = requests_d - pc_requests
    cold = od_requests * cold_rate
    if versions:
        od_ms = od_requests * _ceil_ms(duration) + cold * _ceil_ms(restore)
    else:
        od_ms = (od_requests - cold) * _ceil_ms(duration) + cold * _ceil_ms(duration + init)
    pc_total_ms = pc_requests * pc_ms
    lines = _bill(table, architecture, free_tier,
                  od_requests=od_requests, od_gb_s=od_ms / _MS_PER_S * gb,
                  pc_requests=pc_requests, pc_gb_s=pc_total_ms / _MS_PER_S * gb,
                  enabled_gb_s=gb * provisioned * hours * 3600,
                  billed_s=(od_ms + pc_total_ms) / _MS_PER_S, ephemeral_mb=ephemeral_mb)
    if versions:
        lines += _snapstart_lines(table, gb, versions=versions, hours=cached_hours, restores=cold)
    inputs = dict(requests=requests, duration_ms=duration_ms, memory_mb=memory_mb, architecture=architecture,
                  ephemeral_mb=ephemeral_mb, provisioned=provisioned, provisioned_hours=provisioned_hours,
                  free_tier=free_tier, init_ms=init_ms, cold_start_rate=cold_start_rate, region=region,
                  provisioned_requests=float(pc_requests), provisioned_duration_ms=provisioned_duration_ms,
                  snapstart_versions=versions, snapstart_hours=snapstart_hours, billed_restore_ms=billed_restore_ms)
    return _estimate(lines, inputs, table)


def estimate_from(invocations: Iterable[Any], monthly_requests: float | None = None,
                  architecture: str = "x86_64", free_tier: bool = True, region: str = "us-east-1", *,
                  ephemeral_mb: int = 512, prices: Mapping[str, Any] | None = None) -> CostEstimate:
    """Price measured invocations, scaled up to ``monthly_requests`` (default: the sample as it is).

    Each invocation needs ``billed_ms`` (rounded, INIT already included on a cold start, as in the
    REPORT line's ``Billed Duration``), ``memory_mb``, ``init_ms``, ``cold`` and, optionally,
    ``throttled``: throttled calls never ran and AWS does not bill them, so they are left out.
    A SnapStart restore (``billed_restore_ms`` set) adds its Billed Restore Duration and the restore
    charge; the snapshot's cache is not in the invocations (price it with ``estimate``).

    >>> runs = [fn.invoke({"n": i}) for i in range(20)]
    >>> estimate_from(runs, monthly_requests=5_000_000)

    AWS: https://aws.amazon.com/lambda/pricing/
    """
    table = region_prices(_region(region), prices)
    _check_architecture(architecture, table)
    _check_free_tier(free_tier)
    ephemeral_mb = _ephemeral(ephemeral_mb)
    invocations = list(invocations)
    # Indexes in error messages are positions in what the caller passed, throttled calls included.
    billed = [(n, i) for n, i in enumerate(invocations) if not getattr(i, "throttled", False)]
    if not billed:
        raise InvalidParameterValueError(
            "No billable invocations to price (none given, or all were throttled): invoke the function "
            "a few times first, then pass the results, e.g. estimate_from([fn.invoke({}) for _ in range(10)]).")
    ms_total, gb_ms_total, restored_gb = Decimal(0), Decimal(0), Decimal(0)
    for index, invocation in billed:
        ms = _amount(f"invocations[{index}].billed_ms", getattr(invocation, "billed_ms", None))
        restore_ms = getattr(invocation, "billed_restore_ms", None)
        if restore_ms is not None:
            ms += _amount(f"invocations[{index}].billed_restore_ms", restore_ms)
            restored_gb += Decimal(getattr(invocation, "memory_mb", 0) or 0) / _MB_PER_GB
        try:
            memory = validate_memory(getattr(invocation, "memory_mb", None))
        except InvalidParameterValueError as error:
            raise InvalidParameterValueError(f"invocations[{index}]: {error}") from None
        ms_total += ms
        gb_ms_total += ms * memory
    sample = Decimal(len(billed))
    requests = sample if monthly_requests is None else _amount("monthly_requests", monthly_requests)
    scale = requests / sample
    lines = _bill(table, architecture, free_tier,
                  od_requests=requests, od_gb_s=gb_ms_total * scale / _MS_PER_S / _MB_PER_GB,
                  pc_requests=Decimal(0), pc_gb_s=Decimal(0), enabled_gb_s=Decimal(0),
                  billed_s=ms_total * scale / _MS_PER_S, ephemeral_mb=ephemeral_mb)
    if restored_gb:
        lines.append(_line("SnapStart restores", restored_gb * scale, "GB restored", table.snapstart_restore_per_gb,
                           "snapstart"))
    memories = sorted({invocation.memory_mb for _, invocation in billed})
    inputs = dict(monthly_requests=float(requests), sample_size=len(billed),
                  throttled_ignored=len(invocations) - len(billed),
                  cold_starts=sum(bool(getattr(i, "cold", False)) for _, i in billed),
                  mean_billed_ms=float(ms_total / sample),
                  memory_mb=memories[0] if len(memories) == 1 else memories,
                  architecture=architecture, ephemeral_mb=ephemeral_mb, free_tier=free_tier, region=region)
    return _estimate(lines, inputs, table)


# --- the bill ------------------------------------------------------------------------------------

def _bill(table: RegionPrices, architecture: str, free_tier: bool, *, od_requests: Decimal, od_gb_s: Decimal,
          pc_requests: Decimal, pc_gb_s: Decimal, enabled_gb_s: Decimal, billed_s: Decimal,
          ephemeral_mb: int) -> list[CostLine]:
    lines = [_line("Requests", od_requests + pc_requests, "requests", table.per_request, "requests")]
    tiers = table.duration[architecture]
    lower = Decimal(0)
    for tier in tiers:
        # The month's on-demand GB-s fill the tiers in order; each tier bills only its own slice.
        upper = od_gb_s if tier.up_to_gb_s is None else min(od_gb_s, tier.up_to_gb_s)
        if upper > lower or tier is tiers[0]:
            lines.append(_line(f"Duration ({architecture}, {tier.label})", max(upper - lower, Decimal(0)),
                               "GB-s", tier.rate, "duration"))
        if tier.up_to_gb_s is None or od_gb_s <= tier.up_to_gb_s:
            break
        lower = tier.up_to_gb_s
    if enabled_gb_s:
        lines.append(_line("Provisioned concurrency (enabled time)", enabled_gb_s, "GB-s",
                           table.provisioned_enabled[architecture], "provisioned_concurrency"))
    if pc_requests:
        lines.append(_line("Provisioned concurrency (duration)", pc_gb_s, "GB-s",
                           table.provisioned_duration[architecture], "provisioned_duration"))
    extra_mb = ephemeral_mb - table.ephemeral_included_mb
    if extra_mb > 0 and billed_s:
        lines.append(_line(f"Ephemeral storage over {table.ephemeral_included_mb} MB",
                           billed_s * extra_mb / _MB_PER_GB, "GB-s", table.ephemeral_per_gb_s,
                           "ephemeral_storage"))
    if free_tier:
        # Credits never exceed what they credit: at most the on-demand usage itself.
        free_requests = min(table.free_requests, od_requests)
        if free_requests:
            lines.append(_line("Free tier (requests)", -free_requests, "requests", table.per_request, "requests"))
        free_gb_s = min(table.free_gb_s, od_gb_s)
        if free_gb_s:
            lines.append(_line("Free tier (duration)", -free_gb_s, "GB-s", tiers[0].rate, "duration"))
    return lines


def _snapstart_lines(table: RegionPrices, gb: Decimal, *, versions: int, hours: Decimal,
                     restores: Decimal) -> list[CostLine]:
    """SnapStart's own charges: the cache while versions are active (3 hours at least), and each restore."""
    cached_s = versions * max(hours, table.snapstart_cache_minimum_hours) * 3600
    return [_line(f"SnapStart cache ({versions} version{'s' if versions != 1 else ''})", gb * cached_s, "GB-s",
                  table.snapstart_cache_per_gb_s, "snapstart"),
            _line("SnapStart restores", gb * restores, "GB restored", table.snapstart_restore_per_gb, "snapstart")]


def _line(name: str, quantity: Decimal, unit: str, rate: Decimal, component: str) -> CostLine:
    return CostLine(name=name, quantity=quantity, unit=unit, rate=rate, usd=quantity * rate, component=component)


def _estimate(lines: list[CostLine], inputs: dict[str, Any], table: RegionPrices) -> CostEstimate:
    total = sum((line.usd for line in lines), Decimal(0))
    return CostEstimate(lines=tuple(lines), total_usd=total, inputs=inputs, region=table.region,
                        source=table.source, as_of=table.as_of)


def _provisioned_requests(requests: Decimal, provisioned: int, hours: Decimal, pc_ms: Decimal,
                          given: float | None, table: RegionPrices) -> Decimal:
    """How many requests provisioned environments serve; the rest run (and are billed) on demand."""
    if provisioned == 0 or hours == 0:
        if given:
            raise InvalidParameterValueError(
                f"provisioned_requests={given!r} but no provisioned concurrency is enabled: set "
                f"provisioned (environments) and provisioned_hours too, or leave provisioned_requests out.")
        return Decimal(0)
    # Back to back, N environments serve at most N * hours * 3600 s of requests; AWS bills the
    # overflow ("spillover") at the on-demand rate.
    capacity = provisioned * hours * 3600 * _MS_PER_S / pc_ms if pc_ms else requests
    if given is None:
        in_window = requests * min(hours / table.hours_per_month, Decimal(1))
        return min(in_window, capacity)
    served = _amount("provisioned_requests", given)
    if served > requests:
        raise InvalidParameterValueError(
            f"provisioned_requests {given!r} is more than requests {float(requests):,.0f}: it counts the "
            f"requests served by provisioned environments, so use at most requests.")
    if served > capacity:
        raise InvalidParameterValueError(
            f"{provisioned} provisioned environments can serve at most {float(capacity):,.0f} requests of "
            f"{pc_ms} ms in {float(hours):g} hours, not {given!r}: raise provisioned or provisioned_hours, "
            f"or lower provisioned_requests (the overflow runs on demand).")
    return served


# --- input checks: each message says what to do ---------------------------------------------------

def _ceil_ms(ms: Decimal) -> Decimal:
    """Lambda bills duration rounded up to the next whole millisecond: 1.1 ms bills 2 ms."""
    return ms.to_integral_value(rounding=ROUND_CEILING)


def _amount(name: str, value: Any) -> Decimal:
    """A non-negative, finite number, as an exact decimal (a float via its shortest repr: 0.1 is 0.1)."""
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)) or not math.isfinite(value) or value < 0:
        raise InvalidParameterValueError(
            f"{name} must be a number of 0 or more, not {value!r}: pass e.g. {name}={_EXAMPLES.get(name, 100)}.")
    if isinstance(value, Decimal):
        return value
    return Decimal(int(value)) if isinstance(value, Integral) else Decimal(str(float(value)))


_EXAMPLES = {"requests": "1_000_000", "monthly_requests": "1_000_000", "duration_ms": "120", "init_ms": "250",
             "cold_start_rate": "0.01", "provisioned_hours": "730"}


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParameterValueError(
            f"{name} must be a whole number of environments, 0 or more, not {value!r}: "
            f"pass e.g. {name}=10 (or 0 for none).")
    return value


def _ephemeral(ephemeral_mb: Any) -> int:
    if isinstance(ephemeral_mb, bool) or not isinstance(ephemeral_mb, int) \
            or not MIN_EPHEMERAL_MB <= ephemeral_mb <= MAX_EPHEMERAL_MB:
        raise InvalidParameterValueError(
            f"EphemeralStorage {ephemeral_mb!r} is out of range: Lambda accepts a whole number of MB from "
            f"{MIN_EPHEMERAL_MB} to {MAX_EPHEMERAL_MB:,} (512 MB is included; e.g. ephemeral_mb=2048).")
    return ephemeral_mb


def _check_architecture(architecture: Any, table: RegionPrices) -> None:
    if architecture not in ARCHITECTURES or architecture not in table.duration:
        known = " or ".join(repr(a) for a in ARCHITECTURES if a in table.duration)
        raise InvalidParameterValueError(
            f"Unknown architecture {architecture!r}: Lambda runs functions on {known} "
            f"(AWS's spelling, e.g. architecture=\"arm64\").")


def _check_free_tier(free_tier: Any) -> None:
    if not isinstance(free_tier, bool):
        raise InvalidParameterValueError(
            f"free_tier must be True or False, not {free_tier!r}: True credits the monthly free tier "
            f"(1M requests, 400,000 GB-s), False prices every request (e.g. free_tier=False).")


def _region(region: Any) -> str:
    if not isinstance(region, str):
        raise InvalidParameterValueError(f"region must be a region name such as \"us-east-1\", not {region!r}.")
    return region
