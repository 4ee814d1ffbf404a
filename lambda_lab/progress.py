"""Progress feedback for work longer than a second: a bar in Jupyter, a line on a terminal."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Progress:
    """``with Progress(total, "Power tuning") as p: ... p.step("256 MB")``. Silent for the first second."""

    def __init__(self, total: int, label: str, *, show_after_s: float = 1.0):
        self.total = max(1, total)
        self.label = label
        self.done = 0
        self._show_after = time.monotonic() + show_after_s
        self._widget = None
        self._shown = False

    def __enter__(self) -> "Progress":
        return self

    def step(self, detail: str = "", count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        if not self._shown and time.monotonic() < self._show_after:
            return
        self._shown = True
        now = time.monotonic()
        if self.done < self.total and now - getattr(self, "_last", 0.0) < 0.1:
            return  # redraw at most ten times a second
        self._last = now
        self._render(detail)

    def _render(self, detail: str) -> None:
        text = f"{self.label}: {self.done}/{self.total}" + (f" ({detail})" if detail else "")
        if _in_notebook():
            if self._widget is None:
                import ipywidgets as widgets
                from IPython.display import display
                self._bar = widgets.IntProgress(min=0, max=self.total, description="")
                self._text = widgets.Label()
                self._widget = widgets.HBox([self._bar, self._text])
                display(self._widget)
            self._bar.value, self._text.value = self.done, text
        else:
            sys.stderr.write("\r" + text.ljust(78)[:120])
            sys.stderr.flush()

    def __exit__(self, *exc_info) -> None:
        if self._shown and self._widget is None:
            sys.stderr.write("\n")
        if self._widget is not None:
            self._bar.bar_style = "success" if exc_info[0] is None else "danger"
