"""The price list: ``prices.json`` (AWS's published Lambda prices, with source and date) read as exact decimals.

Prices are data, not code: a new region, or a price change, is an edit to ``prices.json`` alone.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any, Mapping

from ..errors import InvalidParameterValueError

__all__ = ["ARCHITECTURES", "Tier", "RegionPrices", "load_prices", "known_regions", "region_prices"]

#: The two instruction sets Lambda runs functions on (AWS's spelling, as in ``Architectures=[...]``).
ARCHITECTURES = ("x86_64", "arm64")


@dataclass(frozen=True)
class Tier:
    """One step of the monthly on-demand duration price: ``rate`` per GB-s up to ``up_to_gb_s``."""

    label: str
    up_to_gb_s: Decimal | None  # None: no upper edge (the last tier)
    rate: Decimal


@dataclass(frozen=True)
class RegionPrices:
    """Every Lambda price for one region, as exact decimals."""

    region: str
    name: str
    per_request: Decimal
    duration: Mapping[str, tuple[Tier, ...]]
    provisioned_enabled: Mapping[str, Decimal]
    provisioned_duration: Mapping[str, Decimal]
    ephemeral_included_mb: int
    ephemeral_per_gb_s: Decimal
    snapstart_cache_per_gb_s: Decimal
    snapstart_restore_per_gb: Decimal
    snapstart_cache_minimum_hours: Decimal
    free_requests: Decimal
    free_gb_s: Decimal
    hours_per_month: Decimal
    source: str
    as_of: str


@functools.lru_cache(maxsize=1)
def _stored() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("prices.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_prices() -> dict[str, Any]:
    """The price list as stored in ``prices.json``: a plain dict you may copy, change and pass back.

    >>> prices = load_prices()
    >>> prices["source"], prices["as_of"], prices["regions"]["us-east-1"]["requests_per_million"]
    ('https://aws.amazon.com/lambda/pricing/', '2026-11-26', '0.20')

    Pass a changed copy as ``estimate(..., prices=...)`` to try "what if" prices.
    Source: https://aws.amazon.com/lambda/pricing/
    """
    return copy.deepcopy(_stored())


def known_regions(prices: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The regions the price list has prices for, e.g. ``('us-east-1',)``."""
    return tuple(sorted((prices or _stored())["regions"]))


def region_prices(region: str = "us-east-1", prices: Mapping[str, Any] | None = None) -> RegionPrices:
    """The prices of one region, from the stored list or from ``prices`` (a dict shaped like it)."""
    if prices is None:
        return _stored_region(region)
    return _parse(region, prices)


@functools.lru_cache(maxsize=None)
def _stored_region(region: str) -> RegionPrices:
    return _parse(region, _stored())


def _parse(region: str, prices: Mapping[str, Any]) -> RegionPrices:
    regions = prices["regions"]
    if region not in regions:
        known = ", ".join(repr(r) for r in known_regions(prices))
        raise InvalidParameterValueError(
            f"No Lambda prices for region {region!r}. lambda_lab knows {known}: pass one of those "
            f"(e.g. region=\"us-east-1\"), or add the region, with its source, to "
            f"lambda_lab/pricing/prices.json.")
    entry = regions[region]
    duration = {arch: tuple(Tier(t["label"], _dec_or_none(t["up_to_gb_s"]), _dec(t["rate"])) for t in tiers)
                for arch, tiers in entry["duration"].items()}
    provisioned = entry["provisioned_concurrency"]
    return RegionPrices(
        region=region,
        name=entry.get("name", region),
        per_request=_dec(entry["requests_per_million"]) / 1_000_000,
        duration=duration,
        provisioned_enabled={a: _dec(p["enabled_per_gb_s"]) for a, p in provisioned.items()},
        provisioned_duration={a: _dec(p["duration_per_gb_s"]) for a, p in provisioned.items()},
        ephemeral_included_mb=int(entry["ephemeral_storage"]["included_mb"]),
        ephemeral_per_gb_s=_dec(entry["ephemeral_storage"]["per_gb_s"]),
        snapstart_cache_per_gb_s=_dec(entry["snapstart"]["cache_per_gb_s"]),
        snapstart_restore_per_gb=_dec(entry["snapstart"]["restore_per_gb"]),
        snapstart_cache_minimum_hours=_dec(entry["snapstart"]["cache_minimum_hours"]),
        free_requests=_dec(prices["free_tier"]["requests"]),
        free_gb_s=_dec(prices["free_tier"]["gb_s"]),
        hours_per_month=_dec(prices["hours_per_month"]),
        source=prices["source"],
        as_of=prices["as_of"],
    )


def _dec(value: Any) -> Decimal:
    # str() first: Decimal(0.1) would carry the float's binary error into the money.
    return Decimal(str(value))


def _dec_or_none(value: Any) -> Decimal | None:
    return None if value is None else _dec(value)
