"""CheckpointDurableExecution's service side: an SDK's operation updates become state and history.

https://docs.aws.amazon.com/lambda/latest/api/API_CheckpointDurableExecution.html
Each update is an ``OperationUpdate`` (Id, Type, Action, ...). What each (Type, Action) does, and
the history event it writes, follows AWS's conformance requirements
(aws-durable-execution-conformance-tests): for example a step RETRY writes ``StepFailed`` with
``RetryDetails {CurrentAttempt, NextAttemptDelaySeconds}`` and leaves the step PENDING until the
delay has passed; a WAIT START writes ``WaitStarted`` and the service itself writes
``WaitSucceeded`` when the time is up.

What the service must do later (a timer, a chained invoke) is asked of ``effects``: this module
only changes the execution and its history.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import InvalidParameterValueError
from .execution import DETAILS_KEY, TERMINAL_OPERATION, DurableExecution, callback_id_for

__all__ = ["apply_updates", "Effects", "MAX_OPERATION_PAYLOAD", "MAX_CHECKPOINT_BYTES"]

# The durable execution SDKs document these limits ("Maximum checkpoint payload 256 KB",
# "Maximum checkpoint batch 750 KB"); AWS's API model allows up to 6 MB per field.
MAX_OPERATION_PAYLOAD = 256 * 1024
MAX_CHECKPOINT_BYTES = 750 * 1024

_ACTIONS = {
    "EXECUTION": {"SUCCEED", "FAIL"},
    "CONTEXT": {"START", "SUCCEED", "FAIL"},
    "STEP": {"START", "SUCCEED", "FAIL", "RETRY"},
    "WAIT": {"START", "CANCEL"},
    "CALLBACK": {"START", "CANCEL"},
    "CHAINED_INVOKE": {"START", "CANCEL"},
}
_EVENT_PREFIX = {"CONTEXT": "Context", "STEP": "Step", "WAIT": "Wait", "CALLBACK": "Callback",
                 "CHAINED_INVOKE": "ChainedInvoke"}


class Effects(Protocol):
    """What a checkpoint may ask of the service."""

    def schedule(self, execution: DurableExecution, at: float, kind: str, operation_id: str) -> None: ...

    def start_chained_invoke(self, execution: DurableExecution, operation: dict, payload: str | None,
                             options: dict) -> dict: ...

    def cancel_chained_invoke(self, execution: DurableExecution, operation: dict) -> None: ...


def _invalid(message: str) -> InvalidParameterValueError:
    return InvalidParameterValueError(message)


def _event_error(error: dict | None) -> dict:
    return {"Error": {"Payload": dict(error or {})}}


def validate_updates(execution: DurableExecution, updates: list) -> None:
    """Refuse the whole checkpoint before anything is applied, as AWS does."""
    if not isinstance(updates, list):
        raise _invalid("Updates must be a list of OperationUpdate.")
    size = 0
    seen_start: set[str] = set()
    for update in updates:
        if not isinstance(update, dict):
            raise _invalid("Each update must be an OperationUpdate object.")
        op_id, op_type, action = update.get("Id"), update.get("Type"), update.get("Action")
        if not op_id or not op_type or not action:
            raise _invalid("Each OperationUpdate needs Id, Type and Action.")
        if op_type not in _ACTIONS:
            raise _invalid(f"Invalid operation type {op_type!r}: use one of {', '.join(_ACTIONS)}.")
        if action not in _ACTIONS[op_type]:
            raise _invalid(f"Invalid action {action} for {op_type} operation.")
        payload = update.get("Payload") or ""
        if len(payload.encode()) > MAX_OPERATION_PAYLOAD:
            raise _invalid(f"Payload of operation {op_id} is {len(payload.encode())} bytes; the limit is "
                           f"{MAX_OPERATION_PAYLOAD} bytes. Store large results elsewhere (S3, DynamoDB) and "
                           "checkpoint a reference to them.")
        size += len(payload.encode()) + len(str(update.get("Error") or ""))
        existing = execution.operations.get(op_id)
        if op_type != "EXECUTION" and action != "START" and existing is None and op_id not in seen_start:
            if not (op_type == "STEP" and action in ("SUCCEED", "FAIL", "RETRY")) and op_type != "CONTEXT":
                raise _invalid(f"Cannot {action} operation {op_id}: it was never started.")
        if existing is not None and existing["Type"] != op_type:
            raise _invalid(f"Operation {op_id} is a {existing['Type']} operation, not {op_type}.")
        if existing is not None and existing["Status"] in TERMINAL_OPERATION and action != "START":
            raise _invalid(f"Cannot update operation {op_id}: it has already completed ({existing['Status']}).")
        if action == "START":
            seen_start.add(op_id)
    if size > MAX_CHECKPOINT_BYTES:
        raise _invalid(f"Checkpoint of {size} bytes exceeds the {MAX_CHECKPOINT_BYTES}-byte limit: "
                       "checkpoint fewer or smaller operations at a time.")


def apply_updates(execution: DurableExecution, updates: list[dict], now: float, effects: Effects) -> list[str]:
    """Apply a validated checkpoint. Returns the ids of the operations it changed, in order."""
    validate_updates(execution, updates)
    touched: list[str] = []
    for update in updates:
        if update["Type"] == "EXECUTION":
            _execution(execution, update)
            continue
        op = _apply(execution, update, now, effects)
        if op is not None and op["Id"] not in touched:
            touched.append(op["Id"])
    return touched


def _execution(execution: DurableExecution, update: dict) -> None:
    # The SDK checkpoints a result too large for the invocation's response (> 6 MB) here;
    # the invocation then returns SUCCEEDED with an empty result.
    if update["Action"] == "SUCCEED":
        execution.result = update.get("Payload") or ""
    else:
        execution.error = dict(update.get("Error") or {})


def _new_operation(update: dict, now: float) -> dict:
    op = {"Id": update["Id"], "Type": update["Type"], "StartTimestamp": now, "Status": "STARTED"}
    for key in ("ParentId", "Name", "SubType"):
        if update.get(key):
            op[key] = update[key]
    return op


def _apply(execution: DurableExecution, update: dict, now: float, effects: Effects) -> dict | None:
    op_type, action = update["Type"], update["Action"]
    op = execution.operations.get(update["Id"])
    prefix = _EVENT_PREFIX[op_type]
    if op is None:
        op = _new_operation(update, now)
        execution.operations[op["Id"]] = op
        if action != "START":   # a step or context finished in the same batch it started in
            execution.emit(f"{prefix}Started", now, operation=op)
    details = op.setdefault(DETAILS_KEY[op_type], {})
    if op_type == "STEP":
        _step(execution, op, details, update, now, effects)
    elif op_type == "CONTEXT":
        _context(execution, op, details, update, now)
    elif op_type == "WAIT":
        _wait(execution, op, details, update, now, effects)
    elif op_type == "CALLBACK":
        _callback(execution, op, details, update, now, effects)
    else:
        _chained_invoke(execution, op, details, update, now, effects)
    if not details:
        op.pop(DETAILS_KEY[op_type], None)
    return op


def _finish(op: dict, status: str, now: float) -> None:
    op["Status"] = status
    op["EndTimestamp"] = now


def _step(execution: DurableExecution, op: dict, details: dict, update: dict, now: float, effects: Effects) -> None:
    action = update["Action"]
    attempt = int(details.get("Attempt") or 0)     # attempts that have failed and been retried
    if action == "START":
        op["Status"] = "STARTED"
        op["StartTimestamp"] = op.get("StartTimestamp", now)
        details.pop("NextAttemptTimestamp", None)
        execution.emit("StepStarted", now, operation=op)
    elif action == "RETRY":
        delay = int((update.get("StepOptions") or {}).get("NextAttemptDelaySeconds") or 0)
        details.update(Attempt=attempt + 1, NextAttemptTimestamp=now + delay)
        _set_or_clear(details, "Result", update.get("Payload"))
        _set_or_clear(details, "Error", update.get("Error"))
        op["Status"] = "PENDING"
        event = _event_error(update.get("Error")) if update.get("Error") else {}
        if update.get("Payload") is not None:
            event["Result"] = {"Payload": update["Payload"]}
        event["RetryDetails"] = {"CurrentAttempt": attempt + 1, "NextAttemptDelaySeconds": delay}
        # A RETRY with no Error is wait_for_condition's "not yet, poll again" (its new state in
        # Payload): AWS records the attempt as StepSucceeded; a RETRY after an error is StepFailed.
        execution.emit("StepFailed" if update.get("Error") else "StepSucceeded", now, event, operation=op)
        effects.schedule(execution, now + delay, "retry", op["Id"])
    elif action == "SUCCEED":
        _finish(op, "SUCCEEDED", now)
        details.update(Attempt=attempt + 1)
        _set_or_clear(details, "Result", update.get("Payload"))
        details.pop("NextAttemptTimestamp", None)
        event = {"Result": {"Payload": update.get("Payload")}} if update.get("Payload") is not None else {}
        event["RetryDetails"] = {"CurrentAttempt": attempt + 1}
        execution.emit("StepSucceeded", now, event, operation=op)
    else:  # FAIL
        _finish(op, "FAILED", now)
        details.update(Attempt=attempt + 1, Error=dict(update.get("Error") or {}))
        details.pop("NextAttemptTimestamp", None)
        execution.emit("StepFailed", now, {**_event_error(update.get("Error")),
                                          "RetryDetails": {"CurrentAttempt": attempt + 1}}, operation=op)


def _set_or_clear(details: dict, key: str, value) -> None:
    if value is None:
        details.pop(key, None)
    else:
        details[key] = value


def _context(execution: DurableExecution, op: dict, details: dict, update: dict, now: float) -> None:
    action = update["Action"]
    replay_children = (update.get("ContextOptions") or {}).get("ReplayChildren")
    if replay_children is not None:
        details["ReplayChildren"] = bool(replay_children)
    if action == "START":
        execution.emit("ContextStarted", now, operation=op)
    elif action == "SUCCEED":
        _finish(op, "SUCCEEDED", now)
        _set_or_clear(details, "Result", update.get("Payload"))
        event = {"Result": {"Payload": update.get("Payload")}} if update.get("Payload") is not None else {}
        execution.emit("ContextSucceeded", now, event, operation=op)
    else:
        _finish(op, "FAILED", now)
        details["Error"] = dict(update.get("Error") or {})
        execution.emit("ContextFailed", now, _event_error(update.get("Error")), operation=op)


def _wait(execution: DurableExecution, op: dict, details: dict, update: dict, now: float, effects: Effects) -> None:
    if update["Action"] == "START":
        seconds = (update.get("WaitOptions") or {}).get("WaitSeconds")
        if not isinstance(seconds, int) or seconds < 1:
            raise _invalid("WaitOptions.WaitSeconds must be a whole number of seconds, at least 1.")
        details["ScheduledEndTimestamp"] = now + seconds
        op["_duration"] = seconds
        execution.emit("WaitStarted", now, {"Duration": seconds, "ScheduledEndTimestamp": now + seconds},
                       operation=op)
        effects.schedule(execution, now + seconds, "wait", op["Id"])
    else:  # CANCEL
        _finish(op, "CANCELLED", now)
        execution.emit("WaitCancelled", now, _event_error(update.get("Error")) if update.get("Error") else {},
                       operation=op)


def wait_elapsed(execution: DurableExecution, op: dict, now: float) -> None:
    """The service's half of a wait: its time has come."""
    _finish(op, "SUCCEEDED", now)
    execution.emit("WaitSucceeded", now, {"Duration": op.get("_duration")}, operation=op)


def _callback(execution: DurableExecution, op: dict, details: dict, update: dict, now: float,
              effects: Effects) -> None:
    if update["Action"] == "START":
        options = update.get("CallbackOptions") or {}
        details["CallbackId"] = callback_id_for(execution.arn, op["Id"])
        event: dict = {"CallbackId": details["CallbackId"]}
        timeout, heartbeat = int(options.get("TimeoutSeconds") or 0), int(options.get("HeartbeatTimeoutSeconds") or 0)
        if heartbeat:
            event["HeartbeatTimeout"] = heartbeat
            op["_heartbeat_timeout"] = heartbeat
            effects.schedule(execution, now + heartbeat, "heartbeat", op["Id"])
            op["_heartbeat_due"] = now + heartbeat
        if timeout:
            event["Timeout"] = timeout
            effects.schedule(execution, now + timeout, "callback-timeout", op["Id"])
        execution.emit("CallbackStarted", now, event, operation=op)
    else:  # CANCEL: the handler gave up waiting
        _finish(op, "CANCELLED", now)


def _chained_invoke(execution: DurableExecution, op: dict, details: dict, update: dict, now: float,
                    effects: Effects) -> None:
    if update["Action"] == "START":
        options = update.get("ChainedInvokeOptions") or {}
        if not options.get("FunctionName"):
            raise _invalid("ChainedInvokeOptions.FunctionName is required to start a chained invoke.")
        started = effects.start_chained_invoke(execution, op, update.get("Payload"), options)
        execution.emit("ChainedInvokeStarted", now, started, operation=op)
    else:
        effects.cancel_chained_invoke(execution, op)


def public(op: dict) -> dict:
    """An operation as the API shows it (without the service's private bookkeeping)."""
    return {k: v for k, v in op.items() if not k.startswith("_")}
