"""The tail of a function's CloudWatch log, platform lines highlighted."""

from __future__ import annotations

import html
import re

import ipywidgets as widgets

from ._base import LabWidget, shows_errors

__all__ = ["LogsWidget", "highlight"]

_PLATFORM = re.compile(r'^(INIT_START|START|END|REPORT|INIT_REPORT)\b|^\{"time":"[^"]*","type":"platform\.(\w+)"')
_COLORS = {"START": "#1565c0", "END": "#1565c0", "REPORT": "#6a1b9a", "INIT_START": "#ef6c00", "INIT_REPORT": "#ef6c00"}
#: LoggingConfig JSON: the platform.* events, coloured as the text lines they stand for.
_JSON_EVENTS = {"start": "START", "runtimeDone": "END", "report": "REPORT", "initStart": "INIT_START",
                "initReport": "INIT_REPORT"}


def highlight(logs: str) -> str:
    """Log text as HTML: platform lines coloured and bold, errors red, everything else as written."""
    lines = []
    for line in logs.splitlines():
        match = _PLATFORM.match(line)
        text = html.escape(line).replace("\t", "&emsp;")
        kind = match and (match[1] or _JSON_EVENTS.get(match[2]))
        if kind:
            lines.append(f"<span style='color:{_COLORS[kind]};font-weight:bold'>{text}</span>")
        elif "[ERROR]" in line or '"level": "ERROR"' in line or "Task timed out" in line or "Runtime.ExitError" in line:
            lines.append(f"<span style='color:#b00020'>{text}</span>")
        else:
            lines.append(text)
    return "<pre style='font-size:13px;line-height:1.35;white-space:pre-wrap'>" + "\n".join(lines) + "</pre>"


class LogsWidget(LabWidget):
    """``LogsWidget(lab, fn)``: the last ``lines`` of ``/aws/lambda/<name>``; Refresh to read again."""

    def __init__(self, lab, fn, *, lines: int = 60):
        super().__init__()
        self.lab, self.fn, self.lines = lab, fn, lines
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.text = widgets.HTML()
        self.refresh_button.on_click(lambda _: self.refresh())
        self.view = widgets.VBox([self.refresh_button, self.text, self.error])
        self.refresh()

    @shows_errors
    def refresh(self) -> str:
        tail = "\n".join(self.fn.logs().splitlines()[-self.lines:])
        self.text.value = highlight(tail) if tail else "<i>No log lines yet: invoke the function.</i>"
        return tail
