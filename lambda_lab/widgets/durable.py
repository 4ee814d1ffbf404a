"""Drive one durable execution by hand: its timeline, its open callbacks, and the lab clock.

    run = orders.start_execution({"order": 42})
    DurableWidget(run)        # answer "approval", let a day pass, watch the replays
"""

from __future__ import annotations

import html
import json

import ipywidgets as widgets

from ._base import LabWidget, shows_errors

__all__ = ["DurableWidget"]

_CLOCK_STEPS = {"1 minute": 60, "1 hour": 3600, "1 day": 86400, "1 week": 7 * 86400}


class DurableWidget(LabWidget):
    """``DurableWidget(execution)``: status and timeline; answer a callback (succeed, fail, heartbeat);
    on the local lab, move ``lab.clock`` on so waits and timeouts come due."""

    def __init__(self, execution):
        super().__init__()
        self.execution = execution
        self.status = widgets.HTML()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.callback = widgets.Dropdown(options=[], description="Callback")
        self.payload = widgets.Text(value='{"approved": true}', description="Result",
                                    placeholder="JSON (or text) the handler's callback receives")
        self.succeed_button = widgets.Button(description="Send success", button_style="success", icon="check")
        self.fail_button = widgets.Button(description="Send failure", button_style="danger", icon="times")
        self.heartbeat_button = widgets.Button(description="Heartbeat", icon="heartbeat")
        self.clock_step = widgets.Dropdown(options=list(_CLOCK_STEPS), value="1 day", description="Lab clock")
        self.advance_button = widgets.Button(description="Advance", icon="forward")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.succeed_button.on_click(lambda _: self.send_success())
        self.fail_button.on_click(lambda _: self.send_failure())
        self.heartbeat_button.on_click(lambda _: self.heartbeat())
        self.advance_button.on_click(lambda _: self.advance())
        rows = [widgets.HBox([self.refresh_button, self.status]),
                widgets.HBox([self.callback, self.payload]),
                widgets.HBox([self.succeed_button, self.fail_button, self.heartbeat_button])]
        if self._clock is not None:
            rows.append(widgets.HBox([self.clock_step, self.advance_button]))
        self.view = widgets.VBox([*rows, self.error, self.figure_area])
        self.refresh()

    @property
    def _clock(self):
        """The lab clock on the local lab; None on a real account (time cannot be moved there)."""
        clock = self.execution.lab.clock
        return clock if hasattr(clock, "advance") else None

    @shows_errors
    def refresh(self) -> str:
        answer = self.execution.describe()
        history = self.execution.history()
        callbacks = self.execution.callbacks()
        chosen = self.callback.value
        self.callback.options = list(callbacks)
        self.callback.value = chosen if chosen in callbacks else next(iter(callbacks), None)
        for button in (self.succeed_button, self.fail_button, self.heartbeat_button):
            button.disabled = not callbacks
        status = answer["Status"]
        invocations = sum(e["EventType"] == "InvocationCompleted" for e in history)
        waiting = f", waiting for {', '.join(map(str, callbacks))}" if callbacks else ""
        self.status.value = (f"<b>{html.escape(status)}</b> &middot; {invocations} invocation(s), "
                             f"{len(history)} events{html.escape(waiting)}")
        self.show_figure(self.execution.timeline())
        return status

    def _selected(self) -> str:
        if not self.callback.value:
            raise ValueError("No callback is waiting: refresh once the handler has created one.")
        return self.callback.value

    def _result(self):
        text = self.payload.value.strip()
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text   # sent as it is, as a plain string

    @shows_errors
    def send_success(self) -> None:
        self.execution.send_callback(self._selected(), self._result())
        self._settle()

    @shows_errors
    def send_failure(self) -> None:
        self.execution.fail_callback(self._selected(), "Rejected", self.payload.value.strip() or "Rejected")
        self._settle()

    @shows_errors
    def heartbeat(self) -> None:
        self.execution.heartbeat(self._selected())
        self.refresh()

    @shows_errors
    def advance(self) -> None:
        if self._clock is None:
            raise ValueError("Only the local lab's clock can be moved; on a real account waits take real time.")
        self._clock.advance(_CLOCK_STEPS[self.clock_step.value])
        self._settle()

    def _settle(self) -> None:
        """Let the re-invocation the answer or the clock caused run, then show the new state."""
        try:
            self.execution.wait(timeout_s=5)
        except Exception:  # noqa: BLE001 - still running (waiting again) is a normal state here
            pass
        self.refresh()
