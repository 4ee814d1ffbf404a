"""Figures of what Lambda costs: power tuning (cost and speed against memory) and one month's bill."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Mapping

import plotly.graph_objects as go

from ..errors import InvalidParameterValueError
from ._style import COLORS, empty_figure, finish, fmt_ms, fmt_usd, fmt_usd_per_call, plural

__all__ = ["cost_vs_memory", "cost_breakdown"]

_PER_MILLION = 1_000_000
_NEEDED = ("memory_mb", "duration_ms", "cost_usd")


def cost_vs_memory(rows: Iterable[Mapping[str, Any]] | Any) -> go.Figure:
    """Power tuning: duration and cost per call at each memory setting, cheapest and fastest marked.

    ``rows``: dicts (or a pandas DataFrame) with ``memory_mb``, ``duration_ms`` (a typical warm
    duration), ``cost_usd`` (per invocation) and, optionally, ``cold_starts``. More memory brings
    more CPU, so duration falls; cost is memory x duration, so it may fall too, up to a point.

    >>> cost_vs_memory([{"memory_mb": 512, "duration_ms": 98, "cost_usd": 0.00000083}, ...])

    AWS: https://docs.aws.amazon.com/lambda/latest/operatorguide/profile-functions.html
    """
    title, x_title = "Cost and speed by memory size", "memory (MB)"
    y_title, y2_title = "duration (ms)", "cost per 1M invocations (USD)"
    records = sorted(_records(rows), key=lambda r: r["memory_mb"])
    if not records:
        return empty_figure(title, "No memory settings measured yet", x_title, y_title)
    memory = [r["memory_mb"] for r in records]
    duration = [r["duration_ms"] for r in records]
    per_million = [r["cost_usd"] * _PER_MILLION for r in records]
    hover = [f"{r['memory_mb']} MB: {fmt_ms(r['duration_ms'])}, {fmt_usd_per_call(r['cost_usd'])}/call"
             + (f", {plural(int(r['cold_starts']), 'cold start')}" if r.get("cold_starts") is not None else "")
             for r in records]
    fig = go.Figure()
    fig.add_trace(go.Scatter(name="duration (ms)", x=memory, y=duration, mode="lines+markers",
                             line={"color": COLORS["duration"], "width": 3}, marker={"size": 10},
                             hovertext=hover, hoverinfo="text"))
    fig.add_trace(go.Scatter(name="cost per 1M invocations (USD)", x=memory, y=per_million, yaxis="y2",
                             mode="lines+markers", line={"color": COLORS["cost"], "width": 3, "dash": "dash"},
                             marker={"size": 10, "symbol": "square"}, hovertext=hover, hoverinfo="text"))
    # Ties: the cheapest is the smaller memory; the fastest is the cheaper, then the smaller.
    cheapest = min(range(len(records)), key=lambda n: (records[n]["cost_usd"], memory[n]))
    fastest = min(range(len(records)), key=lambda n: (duration[n], records[n]["cost_usd"], memory[n]))
    cheap, fast = records[cheapest], records[fastest]
    # On a category axis an annotation's x is the category's position (0, 1, 2, ...), not its label.
    fig.add_annotation(x=cheapest, y=per_million[cheapest], yref="y2", ax=0, ay=50, arrowhead=2,
                       text=f"cheapest: {cheap['memory_mb']} MB<br>{fmt_usd_per_call(cheap['cost_usd'])}/call",
                       font={"color": COLORS["cost"]}, bgcolor="white")
    fig.add_annotation(x=fastest, y=duration[fastest], yref="y", ax=0, ay=-50, arrowhead=2,
                       text=f"fastest: {fast['memory_mb']} MB<br>{fmt_ms(fast['duration_ms'])}",
                       font={"color": COLORS["duration"]}, bgcolor="white")
    line = (f"Cheapest: {cheap['memory_mb']} MB at {fmt_usd_per_call(cheap['cost_usd'])}/call; "
            f"fastest: {fast['memory_mb']} MB at {fmt_ms(fast['duration_ms'])}.")
    return finish(fig, title, line, x_title, y_title,
                  xaxis={"type": "category"},
                  yaxis={"rangemode": "tozero", "title": {"font": {"color": COLORS["duration"]}}},
                  yaxis2={"title": {"text": y2_title, "font": {"color": COLORS["cost"]}}, "overlaying": "y",
                          "side": "right", "rangemode": "tozero", "tickprefix": "$", "showgrid": False},
                  margin={"r": 100})


def _records(rows: Any) -> list[dict[str, Any]]:
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        rows = rows.to_dict("records")
    records = []
    for n, row in enumerate(rows):
        missing = [key for key in _NEEDED if key not in row]
        if missing:
            raise InvalidParameterValueError(
                f"rows[{n}] has no {', '.join(missing)}: each row needs memory_mb, duration_ms and cost_usd "
                f"(per invocation), e.g. {{'memory_mb': 512, 'duration_ms': 98.0, 'cost_usd': 8.3e-07}}.")
        record = dict(row)
        record.update(memory_mb=int(row["memory_mb"]), duration_ms=float(row["duration_ms"]),
                      cost_usd=float(row["cost_usd"]))
        records.append(record)
    return records


def cost_breakdown(estimate: Any) -> go.Figure:
    """A month's bill (a :class:`lambda_lab.pricing.CostEstimate`), line by line; credits below zero.

    >>> cost_breakdown(estimate(requests=3_000_000, duration_ms=120, memory_mb=1536))

    AWS: https://aws.amazon.com/lambda/pricing/
    """
    total = Decimal(getattr(estimate, "total_usd", 0))
    region = getattr(estimate, "region", "")
    title = f"Monthly Lambda bill: {fmt_usd(total)}" + (f" ({region})" if region else "")
    x_title, y_title = "USD per month", "bill line"
    lines = list(getattr(estimate, "lines", ()))
    if not lines:
        return empty_figure(title, f"Nothing to bill: total {fmt_usd(total)} per month.", x_title, y_title)
    fig = go.Figure()
    for name, keep, color in (("charge", lambda usd: usd >= 0, COLORS["charge"]),
                              ("free-tier credit", lambda usd: usd < 0, COLORS["credit"])):
        chosen = [line for line in lines if keep(line.usd)]
        if chosen:
            fig.add_trace(go.Bar(
                name=name, orientation="h", y=[line.name for line in chosen], x=[float(line.usd) for line in chosen],
                text=[fmt_usd(line.usd) for line in chosen], textposition="outside", cliponaxis=False,
                marker={"color": color},
                hovertext=[_line_hover(line) for line in chosen], hoverinfo="text",
                marker_pattern_shape="" if name == "charge" else "/"))
    charges = sum((line.usd for line in lines if line.usd >= 0), Decimal(0))
    credits = sum((line.usd for line in lines if line.usd < 0), Decimal(0))
    largest = max(lines, key=lambda line: line.usd)
    line = (f"Total {fmt_usd(total)} per month: {fmt_usd(charges)} charged, {fmt_usd(credits)} in credits; "
            f"largest line: {largest.name}, {fmt_usd(largest.usd)}.")
    return finish(fig, title, line, x_title, y_title, barmode="overlay",
                  height=max(360, 200 + 45 * len(lines)),
                  yaxis={"type": "category", "categoryorder": "array", "autorange": "reversed",
                         "categoryarray": [line.name for line in lines]},
                  xaxis={"zeroline": True, "zerolinecolor": COLORS["text"], "zerolinewidth": 2,
                         "tickformat": "$,.2~f", "range": _padded([float(line.usd) for line in lines])},
                  margin={"l": 300})


def _padded(values: list[float]) -> list[float]:
    # Room beyond the longest bars for their "$9.00" labels, which would otherwise overlap the line names.
    low, high = min(0.0, *values), max(0.0, *values)
    pad = 0.2 * (high - low or 1.0)
    return [low - pad if low < 0 else 0.0, high + pad]


def _line_hover(line: Any) -> str:
    quantity = Decimal(line.quantity)
    amount = f"{quantity:,.0f}" if quantity == quantity.to_integral_value() else f"{quantity:,.2f}"
    return f"{line.name}<br>{amount} {line.unit} x ${Decimal(line.rate).normalize():f} = {fmt_usd(line.usd)}"
