"""Cold vs warm explorer: send a sequence or a burst, let time pass, watch the timeline."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import ipywidgets as widgets

from .. import viz
from ._base import LabWidget, shows_errors

__all__ = ["ColdWarmExplorer"]


class ColdWarmExplorer(LabWidget):
    """``ColdWarmExplorer(lab, fn)``: buttons for N calls in a row, a burst of N, and idle time."""

    def __init__(self, lab, fn):
        super().__init__()
        self.lab, self.fn = lab, fn
        self.invocations: list = []
        self.count = widgets.BoundedIntText(value=5, min=1, max=50, description="N")
        self.sequence_button = widgets.Button(description="N in a row", icon="play")
        self.burst_button = widgets.Button(description="Burst of N", icon="forward")
        self.idle = widgets.Dropdown(options=[("1 minute", 60), ("5 minutes", 300), ("11 minutes", 660),
                                              ("1 hour", 3600)], value=660, description="Idle")
        self.wait_button = widgets.Button(description="Let time pass", icon="clock-o")
        self.status = widgets.HTML()
        self.sequence_button.on_click(lambda _: self.sequence())
        self.burst_button.on_click(lambda _: self.burst())
        self.wait_button.on_click(lambda _: self.wait())
        self.view = widgets.VBox([widgets.HBox([self.count, self.sequence_button, self.burst_button]),
                                  widgets.HBox([self.idle, self.wait_button]), self.status, self.figure_area,
                                  self.error])

    @shows_errors
    def sequence(self):
        self.invocations += [self.fn.invoke({}) for _ in range(int(self.count.value))]
        self._redraw()

    @shows_errors
    def burst(self):
        n = int(self.count.value)
        with ThreadPoolExecutor(max_workers=n) as pool:
            self.invocations += list(pool.map(lambda _: self.fn.invoke({}), range(n)))
        self._redraw()

    @shows_errors
    def wait(self):
        advance = getattr(self.lab.clock, "advance", None)
        if advance is None:
            raise RuntimeError("Only the local lab's clock can be moved; on a real account, wait for real.")
        advance(int(self.idle.value))
        self.status.value = f"<i>{self.idle.label} of idle time passed (lab clock).</i>"

    def _redraw(self) -> None:
        figure = viz.timeline(self.invocations)
        self.status.value = f"<b>{viz.summary(figure)}</b>"
        self.show_figure(figure)
