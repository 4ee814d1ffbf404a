"""Figures of what Lambda did: pure functions, data in, a ``plotly.graph_objects.Figure`` out.

>>> from lambda_lab.viz import timeline, summary
>>> fig = timeline(lab.invocations)
>>> fig                      # draws in JupyterLab, offline (plotly.js ships with the plotly package)
>>> summary(fig)
'12 invocations on 3 environments: 3 cold starts (25%), 1 throttled.'

Every figure has a title, axis titles and a one-line summary, shown under the title and kept in
``fig.layout.meta["summary"]`` (read it with :func:`summary`). Empty input gives a figure that says
so, never an exception. Output is deterministic: the same data gives the same ``fig.to_json()``.

Invocations are anything with the attributes of :class:`lambda_lab.invocation.Invocation`.
Times are seconds since the first invocation; one with ``started_at=None`` is placed 1 ms after
the one before it in the order given (see :func:`lambda_lab.viz._timing.place`).
"""

from __future__ import annotations

import html
from typing import Any, Iterable

import plotly.graph_objects as go

from ._cost import cost_breakdown, cost_vs_memory
from ._style import COLORS, empty_figure, finish, fmt_ms, fmt_pct, plural, summary
from ._timing import Placed, lanes, percentile, place

__all__ = ["timeline", "duration_distribution", "concurrency_over_time", "phases", "cost_vs_memory",
           "cost_breakdown", "summary"]

NO_INVOCATIONS = "No invocations yet"
THROTTLED_LANE = "throttled"


def timeline(invocations: Iterable[Any]) -> go.Figure:
    """Each invocation on the execution environment that ran it: INIT, then the handler.

    One lane per environment (``env 1``, ``env 2``, ... in order of first use; hover shows the log
    stream), cold starts marked, throttled calls on their own lane. Each new lane is a cold start:
    Lambda created an environment because every existing one was busy (or there were none).

    >>> timeline([fn.invoke({}) for _ in range(5)])
    AWS: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
    """
    placed = place(invocations)
    title, x_title, y_title = "Invocations by execution environment", "seconds since the first invocation", \
        "execution environment"
    if not placed:
        return empty_figure(title, NO_INVOCATIONS, x_title, y_title)
    labels = lanes(placed)
    ran = [p for p in placed if not p.throttled]
    throttled = [p for p in placed if p.throttled]
    fig = go.Figure()
    inits = [p for p in ran if p.init_ms > 0 and not p.restored]
    if inits:
        fig.add_trace(_segments("INIT", inits, labels, [p.start_s for p in inits],
                                [p.init_ms / 1000 for p in inits], COLORS["init"]))
    restores = [p for p in ran if p.init_ms > 0 and p.restored]
    if restores:
        fig.add_trace(_segments("restore (SnapStart)", restores, labels, [p.start_s for p in restores],
                                [p.init_ms / 1000 for p in restores], COLORS["restore"]))
    if ran:
        fig.add_trace(_segments("handler", ran, labels, [p.init_end_s for p in ran],
                                [p.duration_ms / 1000 for p in ran], COLORS["handler"]))
    colds = [p for p in ran if p.cold]
    if colds:
        fig.add_trace(go.Scatter(
            name="cold start", x=[p.start_s for p in colds], y=[labels[p.environment] for p in colds],
            mode="markers", marker={"symbol": "diamond", "size": 13, "color": COLORS["cold"],
                                    "line": {"width": 1.5, "color": COLORS["text"]}},
            hovertext=[_hover(p, labels) for p in colds], hoverinfo="text"))
    if throttled:
        fig.add_trace(go.Scatter(
            name="throttled (429)", x=[p.start_s for p in throttled], y=[THROTTLED_LANE] * len(throttled),
            mode="markers", marker={"symbol": "x", "size": 13, "color": COLORS["throttled"]},
            hovertext=[_hover(p, labels) for p in throttled], hoverinfo="text"))
    order = list(labels.values()) + ([THROTTLED_LANE] if throttled else [])
    cold_count = len(colds)
    line = (f"{plural(len(placed), 'invocation')} on {plural(len(labels), 'environment')}: "
            f"{plural(cold_count, 'cold start')} ({fmt_pct(cold_count, len(placed))}), {len(throttled)} throttled.")
    return finish(fig, title, line, x_title, y_title, barmode="overlay", height=max(360, 180 + 50 * len(order)),
                  yaxis={"type": "category", "categoryorder": "array", "categoryarray": order,
                         "autorange": "reversed"},
                  xaxis={"rangemode": "tozero"})


def _segments(name: str, placed: list[Placed], labels: dict, starts: list[float], lengths: list[float],
              color: str) -> go.Bar:
    # Bars from ``base`` for ``x`` seconds; the outline keeps a 10 ms call visible on a minute-long axis.
    return go.Bar(name=name, orientation="h", y=[labels[p.environment] for p in placed], base=starts, x=lengths,
                  marker={"color": color, "line": {"color": color, "width": 1}}, width=0.5,
                  hovertext=[_hover(p, labels) for p in placed], hoverinfo="text")


def _hover(p: Placed, labels: dict) -> str:
    i = p.invocation
    if p.throttled:
        message = (getattr(i, "error", None) or {}).get("errorMessage", "Rate exceeded")
        return f"throttled at {p.start_s:.3f} s: TooManyRequestsException<br>{message}"
    where = f"{labels[p.environment]}, log stream {html.escape(p.environment or 'unknown', quote=False)}"
    init = f"{'restore' if p.restored else 'INIT'} {fmt_ms(p.init_ms)} + " if p.init_ms else ""
    return (f"{getattr(i, 'request_id', '') or 'request'} ({'cold' if p.cold else 'warm'}) at {p.start_s:.3f} s"
            f"<br>{where}<br>{init}handler {fmt_ms(p.duration_ms)}; billed {getattr(i, 'billed_ms', 0)} ms")


def duration_distribution(invocations: Iterable[Any]) -> go.Figure:
    """Cold against warm: how long a caller waited (cold = INIT + handler), one box per kind, every call a dot.

    Throttled calls never ran and are left out.

    >>> duration_distribution(lab.invocations.for_function("hello"))
    AWS: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
    """
    ran = [p for p in place(invocations) if not p.throttled]
    title, x_title, y_title = "Cold and warm durations", "kind of start", "duration (ms)"
    if not ran:
        return empty_figure(title, NO_INVOCATIONS, x_title, y_title)
    warm = [p.duration_ms for p in ran if not p.cold]
    cold = [p.init_ms + p.duration_ms for p in ran if p.cold]
    fig = go.Figure()
    parts = []
    for name, values, color, label in (("warm", warm, COLORS["handler"], "warm (handler)"),
                                       ("cold", cold, COLORS["cold"], "cold (INIT + handler)")):
        if not values:
            parts.append(f"no {name} starts")
            continue
        fig.add_trace(go.Box(name=label, x=[label] * len(values), y=values, boxpoints="all", pointpos=0,
                             jitter=0.3, marker={"color": color, "size": 8}, line={"color": color},
                             hovertemplate="%{y:.2f} ms<extra>" + name + "</extra>"))
        parts.append(f"{label} p50 {fmt_ms(percentile(values, 50))}, p99 {fmt_ms(percentile(values, 99))} "
                     f"({plural(len(values), 'call')})")
    line = f"{parts[0][0].upper()}{parts[0][1:]}; {parts[1]}."
    return finish(fig, title, line, x_title, y_title, showlegend=False, yaxis={"rangemode": "tozero"})


def concurrency_over_time(invocations: Iterable[Any]) -> go.Figure:
    """How many invocations were running at each moment, counting INIT: what concurrency limits cap.

    >>> concurrency_over_time(lab.invocations)

    AWS: https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
    """
    placed = place(invocations)
    title, x_title, y_title = "Concurrency over time", "seconds since the first invocation", \
        "invocations running"
    if not placed:
        return empty_figure(title, NO_INVOCATIONS, x_title, y_title)
    xs, ys = _running(p for p in placed if not p.throttled)
    throttled = [p for p in placed if p.throttled]
    peak = max(ys, default=0)
    fig = go.Figure()
    if xs:
        fig.add_trace(go.Scatter(name="running", x=xs, y=ys, mode="lines",
                                 line={"shape": "hv", "width": 3, "color": COLORS["handler"]},
                                 hovertemplate="%{y} running from %{x:.3f} s<extra></extra>"))
        fig.add_annotation(x=xs[ys.index(peak)], y=peak, text=f"peak: {peak}", showarrow=True, arrowhead=2,
                           ax=40, ay=-35)
    if throttled:
        fig.add_trace(go.Scatter(name="throttled (429)", x=[p.start_s for p in throttled],
                                 y=[_count_at(xs, ys, p.start_s) for p in throttled], mode="markers",
                                 marker={"symbol": "x", "size": 13, "color": COLORS["throttled"]},
                                 hovertemplate="throttled at %{x:.3f} s with %{y} running<extra></extra>"))
    if xs:
        line = (f"Peak concurrency: {peak} running at once, {xs[ys.index(peak)]:.3f} s after the first invocation"
                f"; {len(throttled)} throttled.")
    else:
        line = f"Nothing ran: all {plural(len(throttled), 'invocation')} throttled."
    return finish(fig, title, line, x_title, y_title,
                  yaxis={"range": [0, peak + max(1, peak // 5)], "tickformat": "d",
                         "dtick": 1 if peak <= 10 else None})


def _running(ran: Iterable[Placed]) -> tuple[list[float], list[int]]:
    """A step function: after each moment in ``xs``, ``ys`` invocations are running."""
    changes: dict[float, int] = {}
    for p in ran:
        changes[p.start_s] = changes.get(p.start_s, 0) + 1
        changes[p.end_s] = changes.get(p.end_s, 0) - 1
    xs, ys, running = [], [], 0
    for moment in sorted(changes):
        running += changes[moment]  # an end and a start at one moment net out: the environment was reused
        xs.append(moment)
        ys.append(running)
    return xs, ys


def _count_at(xs: list[float], ys: list[int], moment: float) -> int:
    count = 0
    for x, y in zip(xs, ys):
        if x > moment:
            break
        count = y
    return count


def phases(invocation: Any) -> go.Figure:
    """Where one invocation's billed milliseconds went: INIT (on a cold start), the handler, rounding up.

    AWS bills the handler's duration plus INIT on a cold start, rounded up to the next 1 ms. Drawn as a
    waterfall of floating bars, each phase in its timeline colour (``go.Waterfall`` colours every rising
    step alike). If the billed duration is too short to include INIT (provisioned concurrency; on-demand
    INIT before August 2025), INIT is drawn last, in grey, as not billed.

    >>> phases(fn.invoke({"name": "Ada"}))
    AWS: https://aws.amazon.com/lambda/pricing/
    """
    title, x_title, y_title = "Phases of one invocation", "phase", "milliseconds"
    if invocation is None:
        return empty_figure(title, "No invocation yet", x_title, y_title)
    if getattr(invocation, "throttled", False):
        return empty_figure(title, "Throttled (429 TooManyRequestsException): it never ran, nothing billed",
                            x_title, y_title)
    init = float(getattr(invocation, "init_ms", None) or 0.0)
    duration = float(getattr(invocation, "duration_ms", 0.0) or 0.0)
    billed = float(getattr(invocation, "billed_ms", 0) or 0)
    init_billed = init > 0 and billed >= init + duration - 1  # within 1 ms: a timeout caps the bill
    remainder = billed - duration - (init if init_billed else 0.0)
    steps = [("INIT", init, COLORS["init"])] if init_billed else []
    steps += [("handler", duration, COLORS["handler"]),
              ("rounding up" if remainder >= 0 else "billed less", remainder, COLORS["rounding"])]
    fig, base = go.Figure(), 0.0
    for name, value, color in steps:
        fig.add_trace(_step(name, base, value, color))
        base += value
    fig.add_trace(_step("billed", 0.0, billed, COLORS["charge"], pattern="/", text=f"{billed:,.0f} ms"))
    if init and not init_billed:
        fig.add_trace(_step("INIT (not billed)", 0.0, init, COLORS["rounding"], pattern="x"))
    kind = "Cold start" if getattr(invocation, "cold", False) else "Warm start"
    measured = (f"INIT {fmt_ms(init)} + " if init_billed else "") + f"handler {fmt_ms(duration)}"
    sign = "+" if remainder >= 0 else "−"
    line = f"{kind}: {measured} {sign} rounding {fmt_ms(abs(remainder))} = {billed:,.0f} ms billed"
    line += f" (INIT {fmt_ms(init)} not billed)." if init and not init_billed else "."
    return finish(fig, title, line, x_title, y_title, showlegend=False, barmode="overlay",
                  yaxis={"rangemode": "tozero"}, xaxis={"type": "category"})


def _step(name: str, base: float, value: float, color: str, pattern: str = "", text: str = "") -> go.Bar:
    return go.Bar(name=name, x=[name], y=[value], base=[base], text=[text or fmt_ms(value)], textposition="outside",
                  cliponaxis=False, marker={"color": color, "pattern": {"shape": pattern}}, width=0.6,
                  hovertemplate=f"{name}: {fmt_ms(value)}<extra></extra>")
