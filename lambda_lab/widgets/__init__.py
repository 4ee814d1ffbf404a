"""Thin ipywidgets views over the lab: no logic of their own, errors shown inside the widget.

    from lambda_lab.widgets import DeployWidget, FireWidget, ColdWarmExplorer, CostEstimator, LogsWidget, DurableWidget
    console = DeployWidget(lab); console          # then console.function
"""

from .cost import CostEstimator
from .deploy import DeployWidget
from .durable import DurableWidget
from .explorer import ColdWarmExplorer
from .fire import FireWidget
from .logs import LogsWidget, highlight

__all__ = ["DeployWidget", "DurableWidget", "FireWidget", "ColdWarmExplorer", "CostEstimator", "LogsWidget", "highlight"]
