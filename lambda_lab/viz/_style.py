"""How every lambda_lab figure looks and carries its one-line summary.

The summary pattern: each figure function returns a plain ``go.Figure`` whose
``layout.meta["summary"]`` holds the one-line text summary, and whose title shows the same line
under the heading (``<br><sup>…</sup>``, which every plotly version renders; ``title.subtitle``
would need plotly 5.23+). :func:`summary` reads it back, e.g. for a caption beside the figure.
"""

from __future__ import annotations

import html
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import plotly.graph_objects as go

__all__ = ["COLORS", "FONT_SIZE", "summary", "finish", "empty_figure", "fmt_ms", "fmt_pct", "fmt_usd",
           "fmt_usd_per_call", "plural"]

# Okabe & Ito's palette: told apart with every common colour-vision deficiency, and strong enough for
# a projector. Each role keeps its colour in every figure (INIT is always vermillion, and so on).
COLORS = {
    "init": "#D55E00",       # vermillion: INIT, cold starts
    "handler": "#0072B2",    # blue: the handler running, warm calls
    "cold": "#E69F00",       # orange: cold-start markers, cold durations
    "restore": "#009E73",    # bluish green: a SnapStart restore, where INIT would stand
    "throttled": "#CC79A7",  # reddish purple: throttled calls
    "charge": "#0072B2",     # blue: money charged
    "credit": "#009E73",     # bluish green: free-tier credits
    "rounding": "#999999",   # grey: billed but not measured (rounding), not billed at all
    "duration": "#0072B2",   # blue, solid line: duration in the power-tuning chart
    "cost": "#D55E00",       # vermillion, dashed line: cost in the power-tuning chart
    "text": "#000000",
}
FONT_SIZE = 14  # readable from the back of a room
_TEMPLATE = "plotly_white"  # named, so a changed plotly.io.templates.default cannot change our output


def summary(fig: go.Figure) -> str:
    """The one-line text summary of a lambda_lab figure (``""`` for a figure made elsewhere).

    >>> fig = timeline(lab.invocations)
    >>> summary(fig)
    '12 invocations on 3 environments: 3 cold starts (25%), 1 throttled.'
    """
    meta = fig.layout.meta
    return str(meta.get("summary", "")) if isinstance(meta, dict) else ""


def finish(fig: go.Figure, title: str, line: str, x_title: str, y_title: str, **layout: Any) -> go.Figure:
    """Give ``fig`` its title with the summary under it, axis titles, fonts and the summary in ``meta``."""
    heading = f"{html.escape(title, quote=False)}<br><sup>{html.escape(line, quote=False)}</sup>"
    fig.update_layout(
        # At this size the <sup> summary line comes out at about FONT_SIZE.
        title={"text": heading, "x": 0.01, "xanchor": "left", "font": {"size": FONT_SIZE + 8}},
        meta={"summary": line},
        template=_TEMPLATE,
        font={"size": FONT_SIZE, "color": COLORS["text"]},
        hoverlabel={"font": {"size": FONT_SIZE}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        margin={"t": 110, "l": 90, "r": 40, "b": 70},
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    if layout:
        fig.update_layout(**layout)
    return fig


def empty_figure(title: str, message: str, x_title: str, y_title: str) -> go.Figure:
    """A figure with nothing to plot yet: the message in the middle, and as its summary."""
    fig = go.Figure()
    fig.add_annotation(text=html.escape(message, quote=False), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font={"size": FONT_SIZE + 4})
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    return finish(fig, title, message, x_title, y_title)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``plural(1, "cold start") == "1 cold start"``, ``plural(3, "cold start") == "3 cold starts"``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def fmt_ms(ms: float) -> str:
    """Milliseconds as a learner reads them: ``0.42 ms``, ``12.3 ms``, ``1,250 ms``."""
    if abs(ms) < 1:
        return f"{ms:.2f} ms"
    if abs(ms) < 100:
        return f"{ms:.1f} ms"
    return f"{ms:,.0f} ms"


def fmt_pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def fmt_usd(usd: Any) -> str:
    """Dollars to the cent, half up as AWS shows them; credits as ``−$6.67`` (a real minus sign)."""
    cents = Decimal(str(usd)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if cents == 0:
        return "$0.00"
    return f"−${-cents:,}" if cents < 0 else f"${cents:,}"


def fmt_usd_per_call(usd: float) -> str:
    """A tiny per-call cost with two significant digits and no exponent: ``$0.00000083``."""
    if usd == 0:
        return "$0"
    decimals = max(2, 1 - math.floor(math.log10(abs(usd))))
    return f"${usd:.{decimals}f}"
