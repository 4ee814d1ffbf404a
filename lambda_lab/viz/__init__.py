"""Figures of what Lambda did and what it costs: pure functions, data in, a plotly figure out.

>>> from lambda_lab.viz import timeline, summary
>>> fig = timeline(lab.invocations)
>>> summary(fig)
'12 invocations on 3 environments: 3 cold starts (25%), 1 throttled.'

Each figure shows its one-line summary under the title and keeps it in ``fig.layout.meta["summary"]``;
:func:`summary` reads it back. Widgets only wire controls to these functions.
"""

from ._durable import durable_timeline
from ._style import COLORS
from .figures import (concurrency_over_time, cost_breakdown, cost_vs_memory, duration_distribution, phases,
                      summary, timeline)

__all__ = ["timeline", "duration_distribution", "concurrency_over_time", "cost_vs_memory", "cost_breakdown",
           "phases", "summary", "COLORS", "durable_timeline"]
