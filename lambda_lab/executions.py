"""A durable execution as the learner handles it: its status, result, history, callbacks, timeline.

Only AWS's durable execution API is used (GetDurableExecution, GetDurableExecutionHistory,
SendDurableExecutionCallback*, StopDurableExecution), so the same object works on the local lab
and on a real account.

    fn = lab.deploy("orders", code=SOURCE, durable={"ExecutionTimeout": 7 * 86400})
    run = fn.start_execution({"order": 42})
    run.wait_until("CallbackStarted")          # it is waiting for an approval
    run.send_callback("approval", {"ok": True})
    lab.clock.advance(86400)                   # local lab: a day's wait passes at once
    run.wait().result

https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html
"""

from __future__ import annotations

import html
import json
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .errors import LambdaLabError, from_client_error

if TYPE_CHECKING:
    from .lab import Lab

__all__ = ["Execution", "TERMINAL_STATUSES"]

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
_ENDED_TYPES = ("Succeeded", "Failed", "TimedOut", "Stopped", "Cancelled")


class Execution:
    """One durable execution (from ``fn.start_execution`` or ``fn.durable_executions()``)."""

    def __init__(self, lab: "Lab", arn: str):
        self.lab = lab
        self.arn = arn

    # -- what it is now -------------------------------------------------------------------

    def describe(self) -> dict:
        """GetDurableExecution's answer (status, input, result or error, timestamps)."""
        answer = self._call("get_durable_execution", DurableExecutionArn=self.arn, IncludeExecutionData=True)
        answer.pop("ResponseMetadata", None)
        return answer

    @property
    def name(self) -> str:
        return self.arn.split("/")[-2]

    @property
    def function_name(self) -> str:
        return self.arn.split(":")[6]

    @property
    def status(self) -> str:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT or STOPPED."""
        return self.describe()["Status"]

    @property
    def result(self) -> Any:
        """The handler's return value (decoded from JSON) once the execution has succeeded."""
        answer = self.describe()
        if answer["Status"] != "SUCCEEDED":
            raise LambdaLabError(f"Execution {self.name} is {answer['Status']}, so it has no result yet"
                                 + (f": {answer['Error']}" if answer.get("Error") else "")
                                 + ". Use .wait() to wait for it, or .error for why it failed.")
        raw = answer.get("Result")
        return json.loads(raw) if raw else None

    @property
    def error(self) -> dict | None:
        """ErrorType/ErrorMessage of a failed, timed-out or stopped execution."""
        return self.describe().get("Error")

    def history(self) -> list[dict]:
        """Every event of GetDurableExecutionHistory, oldest first (all pages, payloads included)."""
        events: list[dict] = []
        params: dict = {"DurableExecutionArn": self.arn, "IncludeExecutionData": True}
        while True:
            page = self._call("get_durable_execution_history", **params)
            events += page.get("Events", [])
            if not page.get("NextMarker"):
                return events
            params["Marker"] = page["NextMarker"]

    def events(self):
        """The history as a pandas DataFrame: one row per event (id, type, operation name, time)."""
        import pandas as pd
        rows = [{"event_id": e["EventId"], "type": e["EventType"], "sub_type": e.get("SubType"),
                 "name": e.get("Name"), "operation_id": e.get("Id"), "parent_id": e.get("ParentId"),
                 "time": e.get("EventTimestamp")} for e in self.history()]
        return pd.DataFrame(rows)

    def invocations(self) -> list[dict]:
        """One entry per invocation of the handler: when it ran and its request id (InvocationCompleted)."""
        found = []
        for event in self.history():
            if event["EventType"] == "InvocationCompleted":
                details = event.get("InvocationCompletedDetails", {})
                found.append({"request_id": details.get("RequestId"), "start": details.get("StartTimestamp"),
                              "end": details.get("EndTimestamp"), "error": details.get("Error")})
        return found

    # -- waiting --------------------------------------------------------------------------

    def wait(self, timeout_s: float = 60.0) -> "Execution":
        """Block until the execution ends; returns itself. A wait inside it still takes its time:
        on the local lab, move ``lab.clock`` forward rather than waiting a day."""
        deadline = time.monotonic() + timeout_s
        while self.status not in TERMINAL_STATUSES:
            if time.monotonic() > deadline:
                raise LambdaLabError(
                    f"Execution {self.name} is still RUNNING after {timeout_s:g} s. It may be waiting (a wait, a "
                    "callback, a retry): look at .history(), send its callback, or on the local lab move "
                    "lab.clock.advance(seconds).")
            time.sleep(0.05)
        return self

    def wait_until(self, event_type: str, *, name: str | None = None, timeout_s: float = 30.0) -> dict:
        """Block until the history holds an event of this type (and operation name); returns it."""
        deadline = time.monotonic() + timeout_s
        while True:
            for event in self.history():
                if event["EventType"] == event_type and name in (None, event.get("Name")):
                    return event
            status = self.status
            if status in TERMINAL_STATUSES or time.monotonic() > deadline:
                raise LambdaLabError(f"No {event_type} event{f' for {name!r}' if name else ''} in execution "
                                     f"{self.name} (it is {status}). Look at .history() to see what it did.")
            time.sleep(0.05)

    # -- callbacks ------------------------------------------------------------------------

    def callbacks(self, *, open_only: bool = True) -> dict[str, str]:
        """Callback name (or id, for an unnamed one) -> CallbackId; by default only those still waiting."""
        started, ended = {}, set()
        for event in self.history():
            if event["EventType"] == "CallbackStarted":
                started[event["Id"]] = (event.get("Name") or event["Id"],
                                        event["CallbackStartedDetails"]["CallbackId"])
            elif event["EventType"].startswith("Callback") and event["EventType"].endswith(_ENDED_TYPES):
                ended.add(event["Id"])
        return {label: cid for op_id, (label, cid) in started.items() if not (open_only and op_id in ended)}

    def _callback_id(self, name_or_id: str) -> str:
        callbacks = self.callbacks(open_only=False)
        if name_or_id in callbacks:
            return callbacks[name_or_id]
        if name_or_id in callbacks.values():
            return name_or_id
        raise LambdaLabError(f"Execution {self.name} has no callback {name_or_id!r}; its callbacks are "
                             f"{sorted(callbacks) or 'none yet'} (wait for one with .wait_until('CallbackStarted')).")

    def send_callback(self, name_or_id: str, result: Any = None) -> None:
        """Answer a callback with a result (JSON-encoded unless it is str or bytes)."""
        if isinstance(result, str):
            payload = result.encode()
        elif isinstance(result, bytes):
            payload = result
        else:
            payload = json.dumps(result).encode()
        self._call("send_durable_execution_callback_success", CallbackId=self._callback_id(name_or_id), Result=payload)

    def fail_callback(self, name_or_id: str, error_type: str = "Rejected", message: str = "") -> None:
        """Answer a callback with a failure: the handler's ``callback.result()`` raises."""
        self._call("send_durable_execution_callback_failure", CallbackId=self._callback_id(name_or_id),
                   Error={"ErrorType": error_type, "ErrorMessage": message})

    def heartbeat(self, name_or_id: str) -> None:
        """Tell a callback with a heartbeat timeout that the work is still going on."""
        self._call("send_durable_execution_callback_heartbeat", CallbackId=self._callback_id(name_or_id))

    def stop(self, error_type: str = "Stopped", message: str = "Stopped from the lab") -> None:
        self._call("stop_durable_execution", DurableExecutionArn=self.arn,
                   Error={"ErrorType": error_type, "ErrorMessage": message})

    # -- showing it -----------------------------------------------------------------------

    def timeline(self):
        """A plotly figure: each operation (step, wait, callback, ...) and each invocation as a bar."""
        from .viz import durable_timeline
        return durable_timeline(self.history(), title=f"Durable execution {self.name}")

    def _call(self, operation: str, **params) -> dict:
        try:
            return getattr(self.lab.client("lambda"), operation)(**params)
        except ClientError as exc:
            raise from_client_error(exc, f"{operation} on execution {self.name}") from None

    def __repr__(self) -> str:
        return f"<Execution {self.name} of {self.function_name}>"

    def _repr_html_(self) -> str:
        answer = self.describe()
        history = self.history()
        operations = {}
        for event in history:
            if event.get("Id") and event["EventType"] != "ExecutionStarted":
                operations.setdefault(event["Id"], {"name": event.get("Name") or event.get("SubType") or event["Id"][:8],
                                                    "type": event.get("SubType", ""), "last": event["EventType"]})
                operations[event["Id"]]["last"] = event["EventType"]
        rows = "".join(f"<tr><td>{html.escape(str(op['name']))}</td><td>{html.escape(op['type'])}</td>"
                       f"<td>{html.escape(op['last'])}</td></tr>" for op in operations.values())
        invocations = sum(e["EventType"] == "InvocationCompleted" for e in history)
        outcome = answer.get("Result") if answer["Status"] == "SUCCEEDED" else answer.get("Error", "")
        return (f"<div><b>Durable execution</b> <code>{html.escape(self.name)}</code> of "
                f"<code>{html.escape(self.function_name)}</code>: <b>{answer['Status']}</b>, "
                f"{invocations} invocation(s), {len(history)} events"
                + (f"<br>result/error: <code>{html.escape(str(outcome))[:300]}</code>" if outcome else "")
                + f"<table><tr><th>operation</th><th>kind</th><th>last event</th></tr>{rows}</table></div>")
