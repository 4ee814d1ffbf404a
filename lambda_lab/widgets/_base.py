"""What every widget shares: errors shown inside the widget, and figures shown in an Output area.

ipywidgets swallows exceptions raised in callbacks (the learner sees nothing), so every callback
runs through :func:`shows_errors`, which puts the message in the widget's own error line.
"""

from __future__ import annotations

import functools
import html
import traceback
from typing import Any, Callable

import ipywidgets as widgets

__all__ = ["LabWidget", "shows_errors"]


def shows_errors(callback: Callable) -> Callable:
    @functools.wraps(callback)
    def guarded(self: "LabWidget", *args: Any, **kwargs: Any):
        self.error.value = ""
        try:
            return callback(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - shown to the learner, not lost
            self.error.value = (f"<div style='color:#b00020'><b>{html.escape(type(exc).__name__)}</b>: "
                                f"{html.escape(str(exc))}</div>")
            self.last_traceback = traceback.format_exc()
            return None
    return guarded


class LabWidget:
    """A view made of ipywidgets; ``display(widget)`` or a bare ``widget`` at the end of a cell shows it."""

    def __init__(self) -> None:
        self.error = widgets.HTML()
        self.figure_area = widgets.Output()
        self.last_figure = None
        self.last_traceback = ""
        self.view: widgets.Widget = widgets.VBox()

    def show_figure(self, figure) -> None:
        self.last_figure = figure
        self.figure_area.clear_output(wait=True)
        with self.figure_area:
            # display(), not figure.show(): outside a notebook show() would open a web browser.
            from IPython.display import display
            display(figure)

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.view)
