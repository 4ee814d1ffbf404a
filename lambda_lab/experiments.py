"""Experiments that run a function for real many times: power tuning and traffic simulation.

    result = lab.power_tune(fn, {"n": 1000})               # duration and cost at each memory size
    result = lab.simulate(fn, traffic.steady(5, 3600))    # an hour of traffic on the lab clock

Both record every invocation in ``lab.invocations`` and show a progress bar when they take more
than a second. Power tuning works on a real account too (after a cost check); simulation needs the
local lab's clock, which it moves forward between arrivals so that an hour takes seconds.
"""

from __future__ import annotations

import html
import statistics
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from .errors import InvalidParameterValueError, LambdaLabError, TooManyRequestsError
from .function import _payload
from .invocation import Invocation
from .pricing import CostEstimate, estimate, estimate_from
from .progress import Progress
from .runtime.limits import validate_memory

if TYPE_CHECKING:
    from .function import Function
    from .lab import Lab

__all__ = ["power_tune", "PowerTuneResult", "simulate", "SimulationResult", "DEFAULT_MEMORY_SIZES"]

DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1769, 3008)
_SECONDS_PER_MONTH = 730 * 3600


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))]


# -- power tuning ---------------------------------------------------------------------------

@dataclass
class PowerTuneResult:
    """Warm duration and cost per invocation at each memory size (cold starts reported apart)."""

    function_name: str
    rows: list[dict]
    invocations: list[Invocation] = field(repr=False, default_factory=list)

    @property
    def cheapest(self) -> dict:
        return min(self.rows, key=lambda r: (r["cost_usd"], r["duration_ms"]))

    @property
    def fastest(self) -> dict:
        return min(self.rows, key=lambda r: (r["duration_ms"], r["cost_usd"]))

    @property
    def table(self):
        """The rows as a pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame(self.rows)

    def figure(self):
        """Duration and cost against memory, cheapest and fastest marked (plotly)."""
        from .viz import cost_vs_memory
        return cost_vs_memory(self.rows)

    def summary(self) -> str:
        cheap, fast = self.cheapest, self.fastest
        return (f"{self.function_name}: cheapest at {cheap['memory_mb']} MB (${cheap['cost_usd']:.10f} per call, "
                f"{cheap['duration_ms']:.1f} ms); fastest at {fast['memory_mb']} MB ({fast['duration_ms']:.1f} ms, "
                f"${fast['cost_usd']:.10f} per call).")

    def __repr__(self) -> str:
        return f"<PowerTuneResult {self.summary()}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in
                       ("memory (MB)", "warm p50 (ms)", "warm p90 (ms)", "billed (ms)", "cost per 1M calls (USD)",
                        "cold start INIT (ms)", "errors"))
        body = ""
        for row in self.rows:
            marks = (" (cheapest)" if row is self.cheapest else "") + (" (fastest)" if row is self.fastest else "")
            init = "" if row["cold_init_ms"] is None else f"{row['cold_init_ms']:.1f}"
            body += (f"<tr><td>{row['memory_mb']}{marks}</td><td>{row['duration_ms']:.2f}</td><td>{row['p90_ms']:.2f}</td>"
                     f"<td>{row['billed_ms']:.1f}</td><td>{row['cost_usd'] * 1e6:.4f}</td>"
                     f"<td>{init}</td><td>{row['errors']}</td></tr>")
        return f"<p>{html.escape(self.summary())}</p><table><tr>{head}</tr>{body}</table>"


def power_tune(lab: "Lab", fn: "Function", payload: Any = None, *, memory: Sequence[int] = DEFAULT_MEMORY_SIZES,
               runs: int = 10, architecture: str = "x86_64", confirm: bool = False) -> PowerTuneResult:
    """Run the function ``runs`` times warm at each memory size and price each setting.

    The first call at each size starts a new environment (the configuration changed); it is
    reported apart (``cold_init_ms``) and left out of the warm statistics. Costs are per invocation,
    without the free tier. The function's memory size is restored afterwards.
    https://docs.aws.amazon.com/lambda/latest/operatorguide/profile-functions.html
    """
    sizes = [validate_memory(m) for m in memory]
    if not sizes:
        raise InvalidParameterValueError("Give at least one memory size, e.g. memory=[128, 512, 1024].")
    if not isinstance(runs, int) or runs < 1:
        raise InvalidParameterValueError(f"runs must be a whole number of at least 1, got {runs!r}.")
    lam = lab.client("lambda")
    config = fn.configuration
    worst = estimate(requests=(runs + 1) * len(sizes), duration_ms=config["Timeout"] * 1000, memory_mb=max(sizes),
                     architecture=architecture, free_tier=False)
    lab.backend.check_cost(float(worst.total_usd), f"Power tuning {fn.name} ({(runs + 1) * len(sizes)} calls)",
                           confirm=confirm)
    rows, invocations = [], []
    try:
        with Progress(len(sizes) * (runs + 1), f"Power tuning {fn.name}") as progress:
            for size in sizes:
                _set_memory(lam, fn.name, size)
                first = fn.invoke(payload)
                progress.step(f"{size} MB")
                warm = []
                for _ in range(runs):
                    warm.append(fn.invoke(payload))
                    progress.step(f"{size} MB")
                invocations += [first, *warm]
                rows.append(_tuning_row(size, first, warm, architecture))
    finally:
        _set_memory(lam, fn.name, config["MemorySize"])
    return PowerTuneResult(fn.name, rows, invocations)


def _set_memory(lam, name: str, memory_mb: int) -> None:
    lam.update_function_configuration(FunctionName=name, MemorySize=memory_mb)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def _tuning_row(size: int, first: Invocation, warm: list[Invocation], architecture: str) -> dict:
    ok = [w for w in warm if w.ok and not w.cold]
    durations = [w.duration_ms for w in ok] or [0.0]
    cost = estimate_from(ok, monthly_requests=1_000_000, architecture=architecture, free_tier=False) if ok else None
    return {"memory_mb": size, "duration_ms": statistics.median(durations), "p90_ms": _percentile(durations, 90),
            "billed_ms": statistics.mean([w.billed_ms for w in ok]) if ok else 0.0,
            "cost_usd": float(cost.total_usd) / 1_000_000 if cost else float("inf"),
            "cold_init_ms": first.init_ms, "errors": sum(not w.ok for w in [first, *warm])}


# -- traffic simulation -----------------------------------------------------------------------

@dataclass
class SimulationResult:
    """What a stretch of simulated traffic did: cold starts, environments, throttles, latency, cost."""

    function_name: str
    simulated_s: float
    real_s: float
    invocations: list[Invocation] = field(repr=False)
    cost: CostEstimate | None = field(repr=False, default=None)

    @property
    def requests(self) -> int:
        return len(self.invocations)

    @property
    def cold_starts(self) -> int:
        return sum(i.cold for i in self.invocations)

    @property
    def cold_start_rate(self) -> float:
        ran = [i for i in self.invocations if not i.throttled]
        return sum(i.cold for i in ran) / len(ran) if ran else 0.0

    @property
    def throttles(self) -> int:
        return sum(i.throttled for i in self.invocations)

    @property
    def environments(self) -> int:
        return len({i.environment for i in self.invocations if i.environment})

    def latency_ms(self, q: float) -> float:
        """Percentile of what the caller waited for: INIT (on a cold start) plus the handler."""
        return _percentile([(i.init_ms or 0) + i.duration_ms for i in self.invocations if not i.throttled], q)

    def timeline(self):
        from .viz import timeline
        return timeline(self.invocations)

    def concurrency(self):
        from .viz import concurrency_over_time
        return concurrency_over_time(self.invocations)

    def summary(self) -> str:
        cost = f"; about ${float(self.cost.total_usd):,.2f} a month at this rate" if self.cost else ""
        return (f"{self.requests:,} requests over {self.simulated_s / 60:,.0f} simulated minutes "
                f"({self.real_s:.1f} s real): {_count(self.cold_starts, 'cold start')} ({self.cold_start_rate:.2%}), "
                f"{_count(self.environments, 'environment')}, {self.throttles} throttled; latency p50 "
                f"{self.latency_ms(50):.1f} ms, p99 {self.latency_ms(99):.1f} ms{cost}.")

    def __repr__(self) -> str:
        return f"<SimulationResult {self.summary()}>"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.function_name)}</b>: {html.escape(self.summary())}</p>"


def simulate(lab: "Lab", fn: "Function", arrivals: Sequence[float], *, payload: Any = None,
             qualifier: str | None = None) -> SimulationResult:
    """Replay ``arrivals`` (seconds from the start; see ``lambda_lab.traffic``) with real invocations.

    Between arrivals the lab clock jumps forward, so idle environments age and are reclaimed as they
    would over that much time, while each invocation runs for real. Arrivals closer together than a
    handler takes run concurrently (and may be throttled). The month's cost is priced from the
    measured invocations at this arrival rate (with provisioned concurrency, if the qualifier has it).
    """
    advance = getattr(lab.clock, "advance", None)
    if advance is None:
        raise LambdaLabError("simulate() moves the lab clock, which only the local lab has; on a real account, "
                             "send real traffic and read fn.metrics().")
    times = sorted(float(t) for t in arrivals)
    if not times or times[0] < 0:
        raise InvalidParameterValueError("arrivals must be a non-empty list of times in seconds from 0, e.g. "
                                         "traffic.steady(rate_per_s=5, duration_s=3600).")
    limit = lab.client("lambda").get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    invoke_one = _caller(lab, fn, payload, qualifier)
    origin, started = lab.clock.now(), time.perf_counter()
    results: list[Invocation] = []
    in_flight: list[tuple[Future, float, float]] = []   # (call, simulated start, real start)
    with ThreadPoolExecutor(max_workers=limit + 2, thread_name_prefix="simulate") as pool, \
            Progress(len(times), f"Simulating {fn.name}") as progress:
        for t in times:
            # A call still running at simulated time t overlaps this arrival; one that ends before
            # does not. Each call gets as much real time as the simulated gap to finish in.
            still_running = []
            for call, sim_start, real_start in in_flight:
                call_left = (t - sim_start) - (time.perf_counter() - real_start)
                if not call.done() and call_left > 0:
                    wait([call], timeout=call_left)
                if call.done():
                    results.append(call.result())
                    progress.step()
                else:
                    still_running.append((call, sim_start, real_start))
            in_flight = still_running
            gap = origin + t - lab.clock.now()
            if gap > 0:
                advance(gap)
            in_flight.append((pool.submit(invoke_one), t, time.perf_counter()))
        for call, _, _ in in_flight:
            results.append(call.result())
            progress.step()
    results.sort(key=lambda i: i.started_at or 0)
    simulated = max(times[-1], 1.0)
    return SimulationResult(fn.name, simulated, time.perf_counter() - started, results,
                            _monthly_cost(lab, fn, results, simulated, qualifier))


def _caller(lab: "Lab", fn: "Function", payload: Any, qualifier: str | None):
    """One invocation as ``fn.invoke`` makes it; straight to an in-process service when there is one
    (a third of the time per call: the HTTP API adds nothing to what the invocation does)."""
    direct = lab.backend.direct_invoker()
    if direct is None:
        return lambda: fn.invoke(payload, qualifier=qualifier)
    body = _payload(payload)

    def call() -> Invocation:
        started = lab.clock.now()
        try:
            invocation = Invocation.from_result(direct(fn.name, body, qualifier), started_at=started)
        except TooManyRequestsError as exc:
            invocation = Invocation.throttle(fn.name, str(exc), started_at=started)
        lab.invocations.append(invocation)
        return invocation
    return call


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _monthly_cost(lab: "Lab", fn: "Function", invocations: list[Invocation], simulated_s: float,
                  qualifier: str | None) -> CostEstimate | None:
    ran = [i for i in invocations if not i.throttled and i.billed_ms]
    if not ran:
        return None
    monthly = len(invocations) * _SECONDS_PER_MONTH / simulated_s
    provisioned = 0
    if qualifier:
        try:
            provisioned = lab.client("lambda").get_provisioned_concurrency_config(
                FunctionName=fn.name, Qualifier=qualifier)["AllocatedProvisionedConcurrentExecutions"]
        except Exception:  # noqa: BLE001 - no provisioned concurrency on this qualifier
            provisioned = 0
    if provisioned:
        return estimate(requests=monthly, duration_ms=statistics.mean(i.duration_ms for i in ran),
                        memory_mb=ran[0].memory_mb, provisioned=provisioned)
    return estimate_from(ran, monthly_requests=monthly)
