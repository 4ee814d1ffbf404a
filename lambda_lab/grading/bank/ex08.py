"""Exercise 8 (after notebook 10): the cheapest memory size that meets a latency target.

Timings differ from run to run (and machine to machine), so every check recomputes the right
answer from the learner's own tuning (``tuning.rows``), never from a fixed number: the size
whose warm p90 is at most ``TARGET_MS`` and whose cost per call is lowest (any of equal cost).
"""

from __future__ import annotations

from numbers import Integral, Real

from ..checks import Fail, exercise

ex08 = exercise("ex08", "The cheapest memory size")
FUNCTION = "ex08-cpu"
SIZES = (128, 256, 512, 1024, 1769)
TARGET_MS = 60
_MIN_RUNS = 3


def _tuning(ns):
    from ...experiments import PowerTuneResult
    tuning = ns.get("tuning")
    if tuning is None:
        raise Fail("`tuning` is None: set it to what lab.power_tune(...) returns, and run that cell")
    if not isinstance(tuning, PowerTuneResult):
        raise Fail(f"`tuning` should be what lab.power_tune(...) returns (a PowerTuneResult), "
                   f"not a {type(tuning).__name__}")
    return tuning


def _rows(ns) -> dict[int, dict]:
    return {row["memory_mb"]: row for row in _tuning(ns).rows}


def _meeting(rows: dict[int, dict]) -> dict[int, dict]:
    return {size: row for size, row in rows.items() if row["p90_ms"] <= TARGET_MS}


def _size(ns, name: str) -> int:
    value = ns.get(name)
    if value is None:
        raise Fail(f"`{name}` is None: set it to a memory size in MB, computed from `tuning`")
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise Fail(f"`{name}` should be a memory size in MB, a whole number such as 1024; it is {value!r:.60}")
    return int(value)


@ex08.check(points=1, hint="tuning = lab.power_tune(cpu, {\"n\": 200_000}, memory=[128, 256, 512, 1024, 1769], "
                           "runs=5)")
def tuned_every_size(ns):
    tuning = _tuning(ns)
    assert tuning.function_name == FUNCTION, f"`tuning` measured {tuning.function_name}; tune {FUNCTION}"
    rows = _rows(ns)
    missing = [size for size in SIZES if size not in rows]
    assert not missing, f"`tuning` has no row for {', '.join(map(str, missing))} MB: tune every size listed"
    failed = [size for size, row in rows.items() if row["errors"]]
    assert not failed, f"calls failed at {', '.join(map(str, failed))} MB in `tuning`: look at the table, tune again"


@ex08.check(points=1, hint="Keep the rows whose p90_ms is at most TARGET_MS; your answer must be one of them.")
def the_choice_meets_the_target(ns):
    rows = _rows(ns)
    chosen = _size(ns, "CHEAPEST_MB")
    assert chosen in rows, f"CHEAPEST_MB = {chosen}, but `tuning` has no row for {chosen} MB"
    assert _meeting(rows), (f"no memory size met the target of {TARGET_MS} ms in your tuning (a very busy "
                            f"computer?): run the tuning cell again, then the cells after it")
    p90 = rows[chosen]["p90_ms"]
    assert p90 <= TARGET_MS, (f"at {chosen} MB the warm p90 in your tuning was {p90:.1f} ms, over the target of "
                              f"{TARGET_MS} ms")


@ex08.check(points=2, hint="Among the rows that meet the target, take the one with the lowest cost_usd "
                           "(min(..., key=...)), and its memory_mb.")
def the_choice_is_the_cheapest_that_meets_it(ns):
    rows = _rows(ns)
    chosen = _size(ns, "CHEAPEST_MB")
    meeting = _meeting(rows)
    assert chosen in meeting, f"CHEAPEST_MB = {chosen} MB does not meet the target in your tuning"
    cheapest = min(row["cost_usd"] for row in meeting.values())
    assert rows[chosen]["cost_usd"] <= cheapest * (1 + 1e-9), (
        f"in your tuning, another size meets the target of {TARGET_MS} ms and costs less per call than "
        f"{chosen} MB (${rows[chosen]['cost_usd']:.10f})")


@ex08.check(points=1, hidden=True)
def several_runs_per_size_in_this_lab(ns):
    tuning = _tuning(ns)
    runs = len(tuning.invocations) / max(1, len(tuning.rows)) - 1   # one cold call per size, then the runs
    assert runs >= _MIN_RUNS, (f"`tuning` ran {runs:g} warm calls per size; use runs=5: with fewer, "
                               f"a p90 says little")
    ran = {i.request_id for i in ns.lab.invocations}
    assert all(i.request_id in ran for i in tuning.invocations), (
        "`tuning` holds calls this lab did not make: run lab.power_tune in this notebook")


@ex08.check(points=1, hidden=True)
def cost_per_million_calls_at_the_choice(ns):
    rows = _rows(ns)
    chosen = _size(ns, "CHEAPEST_MB")
    assert chosen in rows, f"CHEAPEST_MB = {chosen}, but `tuning` has no row for {chosen} MB"
    value = ns.get("COST_PER_MILLION_USD")
    if value is None:
        raise Fail("`COST_PER_MILLION_USD` is None: set it to the dollars a million calls would cost at CHEAPEST_MB")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise Fail(f"`COST_PER_MILLION_USD` should be a number of dollars, not {value!r:.60}")
    expected = rows[chosen]["cost_usd"] * 1_000_000
    assert abs(float(value) - expected) <= 0.01, (
        f"COST_PER_MILLION_USD = {float(value):.4f} is more than a cent away from a million calls at "
        f"{chosen} MB priced from your tuning (cost_usd is per call)")
