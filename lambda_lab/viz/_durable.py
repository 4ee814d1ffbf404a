"""The timeline of one durable execution, drawn from its GetDurableExecutionHistory events.

Each operation (step, wait, callback, child context, chained invoke) is a bar from its first event
to its last; each invocation of the handler is a bar on its own row ("invocations"), so a learner
sees the execution suspended between invocations while a wait or a callback runs on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import plotly.graph_objects as go

from ._style import COLORS, empty_figure, finish, plural

__all__ = ["durable_timeline"]

_KIND_COLORS = {"Step": COLORS["handler"], "Wait": COLORS["rounding"], "Callback": COLORS["credit"],
                "Context": COLORS["cold"], "ChainedInvoke": COLORS["throttled"], "Invocation": COLORS["init"]}
_X_TITLE = "seconds since the execution started"


def _seconds(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _kind(event_type: str) -> str:
    for kind in ("ChainedInvoke", "Callback", "Context", "Step", "Wait"):
        if event_type.startswith(kind):
            return kind
    return ""


def durable_timeline(events: Iterable[dict], *, title: str = "Durable execution") -> go.Figure:
    """Bars per operation and per invocation; the summary counts invocations and operations."""
    events = list(events)
    if not events:
        return empty_figure(title, "No history yet: start an execution first.", _X_TITLE, "")
    origin = _seconds(events[0]["EventTimestamp"])
    end = _seconds(events[-1]["EventTimestamp"])
    rows: dict[str, dict] = {}
    invocations = []
    for event in events:
        at = _seconds(event["EventTimestamp"]) - origin
        if event["EventType"] == "InvocationCompleted":
            details = event.get("InvocationCompletedDetails", {})
            start = _seconds(details.get("StartTimestamp", event["EventTimestamp"])) - origin
            invocations.append((start, at, bool(details.get("Error"))))
            continue
        kind = _kind(event["EventType"])
        if not kind or not event.get("Id"):
            continue
        row = rows.setdefault(event["Id"], {"label": event.get("Name") or event.get("SubType") or kind,
                                            "kind": kind, "start": at, "end": at, "last": event["EventType"]})
        row["end"], row["last"] = at, event["EventType"]
    fig = go.Figure()
    labels = [f"{r['label']} ({r['kind'].lower()})" for r in rows.values()]
    for row, label in zip(rows.values(), labels):
        running = not row["last"].endswith(("Succeeded", "Failed", "TimedOut", "Stopped", "Cancelled"))
        width = max((end if running else row["end"]) - row["start"], (end - 0) / 400 or 0.001)
        fig.add_trace(go.Bar(x=[width], base=[row["start"]], y=[label], orientation="h", showlegend=False,
                             marker_color=_KIND_COLORS[row["kind"]],
                             hovertemplate=f"{label}<br>{row['last']}<br>%{{base:.3f}} s + %{{x:.3f}} s<extra></extra>"))
    for n, (start, stop, failed) in enumerate(invocations, 1):
        fig.add_trace(go.Bar(x=[max(stop - start, (end or 1) / 400)], base=[start], y=["invocations"],
                             orientation="h", showlegend=False,
                             marker_color=COLORS["throttled"] if failed else _KIND_COLORS["Invocation"],
                             hovertemplate=f"invocation {n}{' (failed)' if failed else ''}<br>"
                                           f"%{{base:.3f}} s + %{{x:.3f}} s<extra></extra>"))
    status = events[-1]["EventType"].replace("Execution", "") if events[-1]["EventType"].startswith("Execution") \
        else "running"
    line = (f"{plural(len(rows), 'operation')} over {plural(len(invocations), 'invocation')}, "
            f"{end - origin:,.1f} s from start to {'now' if status == 'running' else status.lower()}.")
    fig.update_yaxes(categoryorder="array", categoryarray=["invocations", *labels][::-1])
    return finish(fig, title, line, _X_TITLE, "", barmode="overlay", height=max(300, 60 + 34 * (len(rows) + 1)))
