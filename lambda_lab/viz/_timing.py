"""Placing invocations in time and on execution environments, for the figures that draw them.

Anything with the attributes of :class:`lambda_lab.invocation.Invocation` will do (``started_at``,
``init_ms``, ``duration_ms``, ``environment``, ``cold``, ``throttled``, ...); missing ones read as
their ``Invocation`` default, so small fakes work in tests and notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

__all__ = ["Placed", "place", "lanes", "percentile", "GAP_S"]

#: Where ``started_at`` is missing, an invocation starts this long after the one before it.
GAP_S = 0.001


@dataclass(frozen=True)
class Placed:
    """One invocation, placed: ``start_s`` is seconds since the first invocation started."""

    invocation: Any
    start_s: float
    init_ms: float     # 0.0 on a warm start; a SnapStart cold start's restore (its Restore Duration)
    duration_ms: float
    cold: bool
    throttled: bool
    environment: str | None
    restored: bool = False   # a SnapStart cold start: init_ms is the restore, not INIT

    @property
    def init_end_s(self) -> float:
        return self.start_s + self.init_ms / 1000

    @property
    def end_s(self) -> float:
        return self.init_end_s + self.duration_ms / 1000


def place(invocations: Iterable[Any]) -> list[Placed]:
    """The invocations in time order, each with its start in seconds since the first one.

    ``started_at`` (epoch seconds) marks the request's arrival, so a cold start's INIT begins there
    and its handler after ``init_ms``. An invocation with ``started_at=None`` is placed 1 ms after
    the one before it in the order given (ones before the first known time, 1 ms apart before it;
    with no times at all: 0, 1, 2 ms, ...), so a list of results without times still reads in order.
    """
    items = list(invocations)
    starts = _fill_starts([getattr(i, "started_at", None) for i in items])
    origin = min(starts, default=0.0)
    # A SnapStart cold start restores instead of running INIT; AWS: "the cold start duration is the
    # sum of Restore Duration + Duration" (snapstart-monitoring.html), so the restore stands where INIT would.
    placed = [Placed(invocation=i, start_s=start - origin,
                     init_ms=float(getattr(i, "init_ms", None) or getattr(i, "restore_ms", None) or 0.0),
                     duration_ms=float(getattr(i, "duration_ms", 0.0) or 0.0),
                     cold=bool(getattr(i, "cold", False)), throttled=bool(getattr(i, "throttled", False)),
                     environment=getattr(i, "environment", None),
                     restored=getattr(i, "restore_ms", None) is not None and not getattr(i, "init_ms", None))
              for i, start in zip(items, starts)]
    return sorted(placed, key=lambda p: p.start_s)  # stable: equal starts keep the order given


def _fill_starts(known: Sequence[float | None]) -> list[float]:
    # Work in seconds after the first known time: epoch floats carry only ~0.2 µs, so adding 1 ms
    # gaps to them would come out as 0.99993 ms.
    first = next((n for n, t in enumerate(known) if t is not None), None)
    if first is None:
        return [n * GAP_S for n in range(len(known))]
    origin = float(known[first])  # type: ignore[arg-type]
    starts: list[float] = []
    for n, t in enumerate(known):
        if t is not None:
            starts.append(float(t) - origin)
        elif n < first:
            starts.append((n - first) * GAP_S)
        else:
            starts.append(starts[-1] + GAP_S)
    return starts


def lanes(placed: Sequence[Placed]) -> dict[str | None, str]:
    """Lane label per environment (log stream), ``"env 1"``, ``"env 2"``, ... in order of first use.

    Calls that ran but did not say where (``environment=None``, e.g. from a real account's
    ``invoke`` response) share one lane, ``"env ?"``; throttled calls never ran and get no lane here.
    """
    labels: dict[str | None, str] = {}
    for p in placed:
        if p.throttled or p.environment in labels:
            continue
        labels[p.environment] = "env ?" if p.environment is None else f"env {sum(k is not None for k in labels) + 1}"
    return labels


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile, interpolating between the two nearest values (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
