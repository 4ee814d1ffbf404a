"""Cost estimator: sliders feed ``pricing.estimate``; the breakdown and its chart follow live."""

from __future__ import annotations

import ipywidgets as widgets

from .. import viz
from ..pricing import estimate
from ._base import LabWidget, shows_errors

__all__ = ["CostEstimator"]


class CostEstimator(LabWidget):
    """``CostEstimator()``: requests a month, duration, memory, architecture, free tier, provisioned."""

    def __init__(self, *, requests: int = 3_000_000, duration_ms: float = 120, memory_mb: int = 1536):
        super().__init__()
        style = {"description_width": "150px"}
        wide = widgets.Layout(width="520px")
        self.requests = widgets.IntText(value=requests, description="Requests / month", style=style)
        self.duration = widgets.FloatSlider(value=duration_ms, min=1, max=15_000, step=1, description="Duration (ms)",
                                            style=style, layout=wide)
        self.memory = widgets.IntSlider(value=memory_mb, min=128, max=10_240, step=64, description="Memory (MB)",
                                        style=style, layout=wide)
        self.architecture = widgets.ToggleButtons(options=["x86_64", "arm64"], value="x86_64", description="Architecture",
                                                  style=style)
        self.free_tier = widgets.Checkbox(value=True, description="Free tier", style=style)
        self.provisioned = widgets.BoundedIntText(value=0, min=0, max=1000, description="Provisioned envs", style=style)
        self.breakdown = widgets.HTML()
        self.estimate = None
        for control in (self.requests, self.duration, self.memory, self.architecture, self.free_tier, self.provisioned):
            control.observe(lambda _change: self.update(), names="value")
        self.view = widgets.VBox([self.requests, self.duration, self.memory, self.architecture, self.free_tier,
                                  self.provisioned, self.breakdown, self.figure_area, self.error])
        self.update()

    @shows_errors
    def update(self):
        self.estimate = estimate(requests=int(self.requests.value), duration_ms=float(self.duration.value),
                                 memory_mb=int(self.memory.value), architecture=self.architecture.value,
                                 free_tier=bool(self.free_tier.value), provisioned=int(self.provisioned.value))
        self.breakdown.value = self.estimate._repr_html_()
        self.show_figure(viz.cost_breakdown(self.estimate))
        return self.estimate
