"""Arrival patterns for ``lab.simulate``: when requests arrive, in seconds from the start.

    traffic.steady(rate_per_s=5, duration_s=3600)      # one every 0.2 s
    traffic.poisson(rate_per_s=5, duration_s=3600, seed=1)
    traffic.sparse(every_s=900, duration_s=6 * 3600)   # one every 15 minutes
    traffic.burst(100, at_s=60)                        # 100 at once
    traffic.diurnal(peak_per_s=10, duration_s=86400, seed=1)

Each returns a sorted list of floats; patterns add up with ``+`` (then sort) or ``traffic.merge``.
"""

from __future__ import annotations

import math
import random

from .errors import InvalidParameterValueError

__all__ = ["steady", "poisson", "sparse", "burst", "diurnal", "merge"]


def _positive(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or value <= 0:
        raise InvalidParameterValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def steady(rate_per_s: float, duration_s: float) -> list[float]:
    """Evenly spaced arrivals."""
    rate, duration = _positive("rate_per_s", rate_per_s), _positive("duration_s", duration_s)
    return [i / rate for i in range(int(duration * rate))]


def poisson(rate_per_s: float, duration_s: float, *, seed: int | None = None) -> list[float]:
    """Random arrivals at an average rate (exponential gaps), as independent users make them."""
    rate, duration = _positive("rate_per_s", rate_per_s), _positive("duration_s", duration_s)
    rng, t, out = random.Random(seed), 0.0, []
    while True:
        t += rng.expovariate(rate)
        if t >= duration:
            return out
        out.append(t)


def sparse(every_s: float, duration_s: float) -> list[float]:
    """One request every ``every_s`` seconds (a cron-like trickle)."""
    return steady(1 / _positive("every_s", every_s), duration_s)


def burst(count: int, *, at_s: float = 0.0) -> list[float]:
    """``count`` requests arriving together."""
    if not isinstance(count, int) or count < 1:
        raise InvalidParameterValueError(f"count must be a whole number of requests, got {count!r}.")
    return [float(at_s)] * count


def diurnal(peak_per_s: float, duration_s: float = 86_400, *, seed: int | None = None) -> list[float]:
    """Poisson arrivals whose rate follows the day: quiet at night, ``peak_per_s`` mid-afternoon."""
    peak, duration = _positive("peak_per_s", peak_per_s), _positive("duration_s", duration_s)
    rng, t, out = random.Random(seed), 0.0, []
    while True:  # thinning: draw at the peak rate, keep with probability rate(t) / peak
        t += rng.expovariate(peak)
        if t >= duration:
            return out
        day_fraction = (t % 86_400) / 86_400
        if rng.random() < 0.55 - 0.45 * math.cos(2 * math.pi * (day_fraction - 0.125)):
            out.append(t)


def merge(*patterns: list[float]) -> list[float]:
    return sorted(t for pattern in patterns for t in pattern)
