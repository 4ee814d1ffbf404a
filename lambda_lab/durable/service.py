"""The durable execution service: runs a durable function's invocations until its execution ends.

https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html
Invoking a function that has a ``DurableConfig`` starts a *durable execution*. The service
invokes the handler with the execution's state; AWS's SDK replays what was checkpointed and
checkpoints each new operation through CheckpointDurableExecution. When the handler answers
``{"Status": "PENDING"}`` the execution is suspended, and the service invokes the handler again
when something it waits for happens: a wait's time comes, a step's retry is due, a callback is
answered, a chained invoke ends. Every invocation is a real invoke on the lab's pool (cold or
warm, REPORT line, logs, metrics, cost), and every timer runs on the lab clock, so
``lab.clock.advance(86400)`` ends a one-day wait at once.

Departures from AWS (the README lists them): executions live as long as the lab (AWS keeps them
for the retention period whatever happens to the caller; a local lab's functions end with it, so
its executions do too); an invocation that crashes is retried after ``INVOCATION_RETRY_DELAY_S``
up to ``MAX_FAILED_INVOCATIONS`` times in a row (AWS documents that it retries, not how often).
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from ..clock import Clock
from ..errors import (InvalidParameterValueError, LambdaLabError, ResourceConflictError, ResourceNotFoundError,
                      TooManyRequestsError)
from ..runtime import InvocationResult
from . import checkpoint
from .execution import (TERMINAL, DurableExecution, Invocation, decode_callback_id, execution_arn)

__all__ = ["DurableExecutionService", "DurableTarget", "CallbackTimeoutError", "DurableExecutionAlreadyStartedError"]

MAX_FAILED_INVOCATIONS = 5
INVOCATION_RETRY_DELAY_S = 5.0
THROTTLE_RETRY_DELAY_S = 1.0
MAX_INVALID_PENDING = 3
DEFAULT_STATE_PAGE = 100
MAX_STATE_PAGE = 1000
INITIAL_STATE_BYTES = 5 * 1024 * 1024      # what fits in an invocation's 6 MB payload with room to spare
DEFAULT_HISTORY_PAGE = 1000


class CallbackTimeoutError(LambdaLabError):
    aws_code = "CallbackTimeoutException"


class DurableExecutionAlreadyStartedError(LambdaLabError):
    aws_code = "DurableExecutionAlreadyStartedException"
    http_status = 409


@dataclass(frozen=True)
class DurableTarget:
    """A function version the service can invoke, as resolved from a name, ARN or alias."""

    function_name: str
    qualifier: str          # as invoked: $LATEST, a version number or an alias
    version: str            # what runs
    function_arn: str       # unqualified
    durable_config: dict | None


Resolve = Callable[[str, "str | None"], DurableTarget]
Run = Callable[[DurableTarget, bytes], InvocationResult]


@dataclass(order=True)
class _Timer:
    at: float
    seq: int
    arn: str = ""
    kind: str = ""
    operation_id: str = ""


def _ms(value):
    return int(round(value * 1000)) if isinstance(value, (int, float)) else value


def _for_handler(op: dict) -> dict:
    """An operation as the invocation event carries it: timestamps in epoch milliseconds."""
    op = checkpoint.public(copy.deepcopy(op))
    for key in ("StartTimestamp", "EndTimestamp"):
        if key in op:
            op[key] = _ms(op[key])
    for details, key in (("StepDetails", "NextAttemptTimestamp"), ("WaitDetails", "ScheduledEndTimestamp")):
        if key in op.get(details, {}):
            op[details][key] = _ms(op[details][key])
    return op


class DurableExecutionService:
    """Every durable execution of one lab, and the timers and invocations that move them on."""

    def __init__(self, *, resolve: Resolve, run: Run, clock: Clock, workers: int = 8):
        self._resolve = resolve
        self._run = run
        self._clock = clock
        self._executions: dict[str, DurableExecution] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-durable")
        self._closed = False
        #: Called with each invocation a durable execution makes (for the lab's invocation log).
        self.on_invocation: list[Callable[[DurableExecution, InvocationResult], None]] = []
        self._thread = threading.Thread(target=self._dispatch_timers, name="lambda-durable-timers", daemon=True)
        self._thread.start()

    # -- starting ---------------------------------------------------------------------------

    def start(self, target: DurableTarget, payload: bytes, *, name: str | None = None,
              parent: tuple[str, str] | None = None) -> tuple[DurableExecution, bool]:
        """Start (or, for a repeated name and input, find) an execution. Returns it and whether it is new."""
        config = target.durable_config
        if config is None:
            raise InvalidParameterValueError(f"Function {target.function_name} is not a durable function: "
                                             "create it with DurableConfig to start durable executions.")
        text = payload.decode("utf-8") if payload else ""
        with self._lock:
            if name is not None:
                for execution in self._executions.values():
                    if execution.function_name == target.function_name and execution.name == name:
                        # AWS: the same name with the same input returns the running execution;
                        # with another input (or after it ended) it is a conflict.
                        if execution.input_payload == text and execution.status == "RUNNING":
                            return execution, False
                        raise DurableExecutionAlreadyStartedError(
                            f"Durable execution with name {name} already exists for this function: use "
                            "another DurableExecutionName, or the same input to get the running execution.")
            execution_id = uuid.uuid4().hex
            name = name or str(uuid.uuid4())
            now = self._clock.now()
            execution = DurableExecution(
                arn=execution_arn(target.function_arn, target.version, name, execution_id), name=name,
                execution_id=execution_id, function_name=target.function_name,
                function_arn=f"{target.function_arn}:{target.version}", version=target.version,
                input_payload=text, durable_config=dict(config), started=now, parent=parent)
            execution.emit("ExecutionStarted", now, {"Input": {"Payload": text},
                                                     "ExecutionTimeout": int(config["ExecutionTimeout"])},
                           operation={"Id": execution.execution_operation_id, "Name": name})
            self._executions[execution.arn] = execution
            self._schedule(execution, now + int(config["ExecutionTimeout"]), "execution-timeout", "")
            self._kick(execution)
            return execution, True

    def wait(self, arn: str, timeout_s: float) -> DurableExecution:
        """Block until the execution ends (a synchronous Invoke waits for the whole execution)."""
        with self._changed:
            execution = self._get(arn)
            self._changed.wait_for(lambda: execution.status in TERMINAL or self._closed, timeout_s)
            return execution

    # -- invocations ------------------------------------------------------------------------

    def _kick(self, execution: DurableExecution) -> None:
        """Invoke the handler if the execution is suspended and may move on."""
        if (execution.status == "RUNNING" and execution.invocation is None and execution.paused is None
                and not execution.pending_invoke and not self._closed):
            execution.pending_invoke = True
            self._pool.submit(self._invoke, execution)

    def _invoke(self, execution: DurableExecution) -> None:
        with self._lock:
            execution.pending_invoke = False
            if execution.status != "RUNNING" or execution.invocation is not None or execution.paused is not None:
                return
            execution.invocations += 1
            invocation = Invocation(number=execution.invocations, started=self._clock.now())
            execution.invocation = invocation
            event = self._invocation_event(execution)
            target = self._resolve(execution.function_name, execution.version)
        try:
            result = self._run(target, json.dumps(event).encode())
        except TooManyRequestsError:
            with self._lock:
                execution.invocation = None
                self._schedule(execution, self._clock.now() + THROTTLE_RETRY_DELAY_S, "invoke", "")
            return
        except Exception as exc:  # noqa: BLE001 - the function was deleted, the lab is closing...
            with self._lock:
                execution.invocation = None
                self._fail(execution, {"ErrorType": type(exc).__name__, "ErrorMessage": str(exc)})
            return
        for listener in self.on_invocation:
            listener(execution, result)
        with self._lock:
            invocation.request_id = result.request_id
            self._invocation_ended(execution, invocation, result)

    def _invocation_event(self, execution: DurableExecution) -> dict:
        """The event AWS sends a durable handler: the execution's ARN, a token and its state."""
        operations, size = [], 0
        all_ops = [execution.execution_operation(), *execution.operations.values()]
        for op in all_ops:
            size += len(json.dumps(checkpoint.public(op)))
            if size > INITIAL_STATE_BYTES and operations:
                break
            operations.append(_for_handler(op))
        marker = str(len(operations)) if len(operations) < len(all_ops) else ""
        updated, execution.undelivered = execution.undelivered, []
        return {"DurableExecutionArn": execution.arn, "CheckpointToken": execution.new_token(),
                "InitialExecutionState": {"Operations": operations, "NextMarker": marker},
                "UpdatedOperationIds": updated}

    def _invocation_ended(self, execution: DurableExecution, invocation: Invocation, result: InvocationResult) -> None:
        now = self._clock.now()
        execution.invocation = None
        details: dict = {"StartTimestamp": invocation.started, "EndTimestamp": now, "RequestId": result.request_id}
        output = None if result.error is not None else _output(result.payload)
        if result.error is not None:
            details["Error"] = {"Payload": {"ErrorType": result.error.get("errorType", "Runtime.Unknown"),
                                            "ErrorMessage": result.error.get("errorMessage", ""),
                                            **({"StackTrace": result.error["stackTrace"]}
                                               if result.error.get("stackTrace") else {})}}
        if execution.status != "RUNNING":
            execution.emit("InvocationCompleted", now, details)
            self._changed.notify_all()
            return
        execution.emit("InvocationCompleted", now, details)
        status = (output or {}).get("Status") if isinstance(output, dict) else None
        if result.error is not None or status is None:
            # A crash, a timeout, or an answer that is not a durable execution output: AWS retries
            # the invocation; the handler replays from its last checkpoint.
            execution.failed_invocations += 1
            error = details.get("Error", {}).get("Payload") or {
                "ErrorType": "InvalidDurableExecutionOutput",
                "ErrorMessage": "The handler's response is not a durable execution output: wrap the handler "
                                "with @durable_execution from aws_durable_execution_sdk_python."}
            if execution.failed_invocations >= MAX_FAILED_INVOCATIONS or status is None and result.error is None:
                self._fail(execution, error)
            else:
                self._schedule(execution, now + INVOCATION_RETRY_DELAY_S, "invoke", "")
            return
        execution.failed_invocations = 0
        if status == "SUCCEEDED":
            self._succeed(execution, output.get("Result") or execution.result or "")
        elif status == "FAILED":
            self._fail(execution, output.get("Error") or execution.error or {})
        elif status == "PENDING":
            if execution.undelivered:
                self._kick(execution)
            elif not execution.has_outstanding_work():
                # Nothing can resume it: the SDK's answer and the state disagree. Try again a few times.
                execution.invalid_pending += 1
                if execution.invalid_pending >= MAX_INVALID_PENDING:
                    self._fail(execution, {"ErrorType": "InvalidDurableExecutionOutput",
                                           "ErrorMessage": "The handler returned PENDING with nothing pending."})
                else:
                    self._kick(execution)
        else:
            self._fail(execution, {"ErrorType": "InvalidDurableExecutionOutput",
                                   "ErrorMessage": f"Unknown durable execution status {status!r}."})
        self._changed.notify_all()

    # -- ending -----------------------------------------------------------------------------

    def _end(self, execution: DurableExecution, status: str) -> None:
        execution.status = status
        execution.ended = self._clock.now()
        retention_days = int(execution.durable_config.get("RetentionPeriodInDays", 14))
        self._schedule(execution, execution.ended + retention_days * 86400, "expire", "")
        self._changed.notify_all()
        if execution.parent is not None:
            self._child_ended(execution)

    def _succeed(self, execution: DurableExecution, result: str) -> None:
        execution.result = result
        self._end(execution, "SUCCEEDED")
        execution.emit("ExecutionSucceeded", execution.ended, {"Result": {"Payload": result}})

    def _fail(self, execution: DurableExecution, error: dict) -> None:
        execution.error = dict(error)
        self._end(execution, "FAILED")
        execution.emit("ExecutionFailed", execution.ended, {"Error": {"Payload": dict(error)}})

    def _time_out(self, execution: DurableExecution) -> None:
        execution.error = {"ErrorType": "Execution.Timeout",
                           "ErrorMessage": f"Execution timed out after {execution.durable_config['ExecutionTimeout']} seconds"}
        self._end(execution, "TIMED_OUT")
        execution.emit("ExecutionTimedOut", execution.ended, {"Error": {"Payload": dict(execution.error)}})

    # -- the service's own moves: timers ----------------------------------------------------

    def _schedule(self, execution: DurableExecution, at: float, kind: str, operation_id: str) -> None:
        heapq.heappush(self._timers, _Timer(at, next(self._seq), execution.arn, kind, operation_id))

    # checkpoint.Effects
    def schedule(self, execution: DurableExecution, at: float, kind: str, operation_id: str) -> None:
        self._schedule(execution, at, kind, operation_id)

    def _dispatch_timers(self) -> None:
        while True:
            with self._changed:
                if self._closed:
                    return
                if not self._timers or self._timers[0].at > self._clock.now():
                    # The lab clock may jump (advance) or speed up at any moment: look again soon.
                    self._changed.wait(0.02)
                    continue
                timer = heapq.heappop(self._timers)
                execution = self._executions.get(timer.arn)
                if execution is not None:
                    self._fire(execution, timer)

    def _fire(self, execution: DurableExecution, timer: _Timer) -> None:
        now = self._clock.now()
        if timer.kind == "expire":
            if execution.status in TERMINAL:
                self._executions.pop(execution.arn, None)
            return
        if execution.status != "RUNNING":
            return
        if timer.kind == "execution-timeout":
            self._time_out(execution)
            return
        if timer.kind == "invoke":
            self._kick(execution)
            return
        op = execution.operations.get(timer.operation_id)
        if op is None:
            return
        if timer.kind == "wait" and op["Status"] == "STARTED":
            checkpoint.wait_elapsed(execution, op, now)
        elif timer.kind == "retry" and op["Status"] == "PENDING":
            op["Status"] = "READY"
        elif timer.kind == "callback-timeout" and op["Status"] == "STARTED":
            self._callback_timed_out(execution, op, "Callback.Timeout", "Callback timed out")
        elif timer.kind == "heartbeat" and op["Status"] == "STARTED":
            if now + 1e-6 < op.get("_heartbeat_due", 0):
                self._schedule(execution, op["_heartbeat_due"], "heartbeat", op["Id"])
                return
            self._callback_timed_out(execution, op, "Callback.Heartbeat", "Callback heartbeat timed out")
        else:
            return
        execution.mark_updated(op["Id"])
        self._kick(execution)

    def _callback_timed_out(self, execution: DurableExecution, op: dict, error_type: str, message: str) -> None:
        now = self._clock.now()
        op.update(Status="TIMED_OUT", EndTimestamp=now)
        error = {"ErrorType": error_type, "ErrorMessage": message}
        op["CallbackDetails"]["Error"] = error
        execution.emit("CallbackTimedOut", now, {"Error": {"Payload": error}}, operation=op)

    # -- chained invokes (checkpoint.Effects) -----------------------------------------------

    def start_chained_invoke(self, execution: DurableExecution, op: dict, payload: str | None, options: dict) -> dict:
        name = options["FunctionName"]
        started = {"FunctionName": name, "Input": {"Payload": payload or ""}}
        if options.get("TenantId"):
            started["TenantId"] = options["TenantId"]
        try:
            target = self._resolve(*_split_qualifier(name))
        except ResourceNotFoundError as exc:
            self._pool.submit(self._chained_ended_later, execution.arn, op["Id"], "FAILED",
                              None, {"ErrorType": "ResourceNotFoundException", "ErrorMessage": str(exc)})
            return started
        started["ExecutedVersion"] = target.version
        if target.durable_config is not None:
            child, _ = self.start(target, (payload or "").encode(), parent=(execution.arn, op["Id"]))
            started["DurableExecutionArn"] = child.arn
            op["_child"] = child.arn
        else:
            self._pool.submit(self._run_plain_target, execution.arn, op["Id"], target, (payload or "").encode())
        return started

    def cancel_chained_invoke(self, execution: DurableExecution, op: dict) -> None:
        child = self._executions.get(op.get("_child", ""))
        if child is not None and child.status == "RUNNING":
            self._stop(child, {"ErrorType": "ChainedInvoke.Cancelled", "ErrorMessage": "The caller cancelled it."})

    def _run_plain_target(self, arn: str, operation_id: str, target: DurableTarget, payload: bytes) -> None:
        try:
            result = self._run(target, payload or b"{}")
        except LambdaLabError as exc:
            self._chained_ended_later(arn, operation_id, "FAILED", None,
                                      {"ErrorType": exc.aws_code or type(exc).__name__, "ErrorMessage": str(exc)})
            return
        if result.error is not None:
            error = {"ErrorType": result.error.get("errorType", "Unhandled"),
                     "ErrorMessage": result.error.get("errorMessage", "")}
            if result.error.get("stackTrace"):
                error["StackTrace"] = result.error["stackTrace"]
            self._chained_ended_later(arn, operation_id, "FAILED", None, error)
        else:
            self._chained_ended_later(arn, operation_id, "SUCCEEDED", result.payload.decode("utf-8", "replace"), None)

    def _child_ended(self, child: DurableExecution) -> None:
        arn, operation_id = child.parent
        self._chained_ended(arn, operation_id, child.status, child.result, child.error)

    def _chained_ended_later(self, *args) -> None:
        with self._lock:
            self._chained_ended(*args)

    def _chained_ended(self, arn: str, operation_id: str, status: str, result: str | None, error: dict | None) -> None:
        execution = self._executions.get(arn)
        op = execution.operations.get(operation_id) if execution else None
        if op is None or op["Status"] != "STARTED" or execution.status != "RUNNING":
            return
        now = self._clock.now()
        op.update(Status=status, EndTimestamp=now)
        details = op.setdefault("ChainedInvokeDetails", {})
        event_type = {"SUCCEEDED": "ChainedInvokeSucceeded", "FAILED": "ChainedInvokeFailed",
                      "TIMED_OUT": "ChainedInvokeTimedOut", "STOPPED": "ChainedInvokeStopped"}[status]
        if status == "SUCCEEDED":
            if result is not None:
                details["Result"] = result
            execution.emit(event_type, now, {"Result": {"Payload": result}} if result is not None else {}, operation=op)
        else:
            details["Error"] = dict(error or {})
            execution.emit(event_type, now, {"Error": {"Payload": dict(error or {})}}, operation=op)
        execution.mark_updated(operation_id)
        self._kick(execution)

    # -- the API: the handler's side --------------------------------------------------------

    def checkpoint(self, arn: str, token: str, updates: list, client_token: str | None = None) -> dict:
        with self._lock:
            execution = self._get(arn)
            if not execution.token_is_current(token):
                raise InvalidParameterValueError("Invalid checkpoint token")
            touched = checkpoint.apply_updates(execution, updates or [], self._clock.now(), self)
            changed = touched + [op_id for op_id in execution.undelivered if op_id not in touched]
            execution.undelivered = []
            answer: dict = {"NewExecutionState": {"Operations": [
                checkpoint.public(execution.operations[op_id]) for op_id in changed if op_id in execution.operations]}}
            if execution.status == "RUNNING":
                answer["CheckpointToken"] = execution.new_token()
            self._changed.notify_all()
            return answer

    def state(self, arn: str, token: str, marker: str | None, max_items: int | None) -> dict:
        with self._lock:
            execution = self._get(arn)
            if not execution.token_is_current(token):
                raise InvalidParameterValueError("Invalid checkpoint token")
            ops = [checkpoint.public(op) for op in
                   [execution.execution_operation(), *execution.operations.values()]]
            return _page(ops, "Operations", marker, max_items, DEFAULT_STATE_PAGE, MAX_STATE_PAGE)

    # -- the API: the caller's side ---------------------------------------------------------

    def get(self, arn: str, include_data: bool = True) -> dict:
        with self._lock:
            return self._get(arn).describe(include_data=include_data)

    def history(self, arn: str, *, include_data: bool = False, marker: str | None = None,
                max_items: int | None = None, reverse: bool = False) -> dict:
        with self._lock:
            events = self._get(arn).history(include_data=include_data)
        if reverse:
            events.reverse()
        return _page(events, "Events", marker, max_items, DEFAULT_HISTORY_PAGE, DEFAULT_HISTORY_PAGE)

    def executions(self, function_name: str | None = None) -> list[DurableExecution]:
        with self._lock:
            return [e for e in self._executions.values() if function_name in (None, e.function_name)]

    def list_by_function(self, function_name: str, *, qualifier: str | None = None, name: str | None = None,
                         statuses: list[str] | None = None, started_after: float | None = None,
                         started_before: float | None = None, reverse: bool = False, marker: str | None = None,
                         max_items: int | None = None) -> dict:
        with self._lock:
            found = [e for e in self._executions.values() if e.function_name == function_name
                     and (qualifier is None or e.version == qualifier)
                     and (name is None or e.name == name) and (not statuses or e.status in statuses)
                     and (started_after is None or e.started >= started_after)
                     and (started_before is None or e.started <= started_before)]
            found.sort(key=lambda e: e.started, reverse=not reverse)   # newest first, as AWS lists them
            summaries = [e.summary() for e in found]
        return _page(summaries, "DurableExecutions", marker, max_items, 50, 1000)

    def stop(self, arn: str, error: dict | None = None) -> float:
        with self._lock:
            execution = self._get(arn)
            if execution.status not in ("RUNNING",):
                raise InvalidParameterValueError(f"Cannot stop durable execution {arn}: it has already "
                                                 f"ended ({execution.status}).")
            self._stop(execution, error)
            return execution.ended

    def _stop(self, execution: DurableExecution, error: dict | None) -> None:
        execution.error = dict(error) if error else None
        self._end(execution, "STOPPED")
        execution.emit("ExecutionStopped", execution.ended, {"Error": {"Payload": dict(error or {})}})
        for op in execution.operations.values():
            child = self._executions.get(op.get("_child", ""))
            if child is not None and child.status == "RUNNING":
                self._stop(child, {"ErrorType": "ExecutionStopped", "ErrorMessage": "The parent was stopped."})

    def pause(self, arn: str, reason: str | None = None, timeout_paused: bool = False) -> None:
        with self._lock:
            execution = self._get(arn)
            if execution.status != "RUNNING" or execution.paused is not None:
                raise ResourceConflictError(f"Durable execution {arn} is {execution.paused and 'PAUSED' or execution.status}: "
                                            "only a running execution can be paused.")
            now = self._clock.now()
            execution.paused = {"PauseRequestTimestamp": now, "ExecutionTimeoutPaused": bool(timeout_paused),
                                **({"Reason": reason} if reason else {})}
            execution.emit("ExecutionPaused", now, {"PauseRequestTimestamp": now,
                                                    "ExecutionTimeoutPaused": bool(timeout_paused),
                                                    **({"Reason": {"Payload": reason}} if reason else {})})

    def resume(self, arn: str, reason: str | None = None) -> None:
        with self._lock:
            execution = self._get(arn)
            if execution.paused is None:
                raise ResourceConflictError(f"Durable execution {arn} is not paused.")
            now = self._clock.now()
            execution.paused = None
            execution.emit("ExecutionResumed", now, {"ResumeRequestTimestamp": now,
                                                     **({"Reason": {"Payload": reason}} if reason else {})})
            if execution.undelivered or any(op["Status"] == "READY" for op in execution.operations.values()):
                self._kick(execution)

    def delete(self, arn: str) -> float:
        with self._lock:
            execution = self._get(arn)
            if execution.status not in TERMINAL:
                raise ResourceConflictError(f"Durable execution {arn} is {execution.status}: stop it "
                                            "(StopDurableExecution) before deleting it.")
            self._executions.pop(arn)
            return self._clock.now()

    # -- callbacks --------------------------------------------------------------------------

    def _callback(self, callback_id: str) -> tuple[DurableExecution, dict]:
        decoded = decode_callback_id(callback_id)
        execution = self._executions.get(decoded[0]) if decoded else None
        op = execution.operations.get(decoded[1]) if execution else None
        if op is None or op["Type"] != "CALLBACK":
            raise ResourceNotFoundError(f"Callback {callback_id} not found: use the CallbackId from the "
                                        "CallbackStarted event (or callback.callback_id in the handler).")
        if op["Status"] == "TIMED_OUT":
            raise CallbackTimeoutError(f"Callback {callback_id} has already timed out.")
        if op["Status"] != "STARTED" or execution.status != "RUNNING":
            raise ResourceNotFoundError(f"Callback {callback_id} is not active: it has already completed "
                                        f"({op['Status']}) or its execution has ended ({execution.status}).")
        return execution, op

    def callback_success(self, callback_id: str, result: bytes | None) -> None:
        with self._lock:
            execution, op = self._callback(callback_id)
            now = self._clock.now()
            op.update(Status="SUCCEEDED", EndTimestamp=now)
            payload = (result or b"").decode("utf-8", errors="replace")
            op["CallbackDetails"]["Result"] = payload
            execution.emit("CallbackSucceeded", now, {"Result": {"Payload": payload}}, operation=op)
            self._callback_done(execution, op)

    def callback_failure(self, callback_id: str, error: dict | None) -> None:
        with self._lock:
            execution, op = self._callback(callback_id)
            now = self._clock.now()
            op.update(Status="FAILED", EndTimestamp=now)
            op["CallbackDetails"]["Error"] = dict(error or {})
            execution.emit("CallbackFailed", now, {"Error": {"Payload": dict(error or {})}}, operation=op)
            self._callback_done(execution, op)

    def callback_heartbeat(self, callback_id: str) -> None:
        with self._lock:
            _, op = self._callback(callback_id)
            if op.get("_heartbeat_timeout"):
                op["_heartbeat_due"] = self._clock.now() + op["_heartbeat_timeout"]

    def _callback_done(self, execution: DurableExecution, op: dict) -> None:
        execution.mark_updated(op["Id"])
        self._kick(execution)
        self._changed.notify_all()

    # -- lifecycle --------------------------------------------------------------------------

    def _get(self, arn: str) -> DurableExecution:
        execution = self._executions.get(arn)
        if execution is None:
            raise ResourceNotFoundError(f"Durable execution {arn} not found: check the ARN "
                                        "(ListDurableExecutionsByFunction lists a function's executions).")
        return execution

    def reset(self) -> None:
        with self._lock:
            self._executions.clear()
            self._timers.clear()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _output(payload: bytes) -> dict | None:
    try:
        output = json.loads(payload)
    except ValueError:
        return None
    return output if isinstance(output, dict) else None


def _split_qualifier(name: str) -> tuple[str, str | None]:
    if name.startswith("arn:"):
        parts = name.split(":")
        return ":".join(parts[:7]), (parts[7] if len(parts) > 7 else None)
    if ":" in name:
        function, qualifier = name.split(":", 1)
        return function, qualifier
    return name, None


def _page(items: list, key: str, marker: str | None, max_items: int | None, default: int, ceiling: int) -> dict:
    try:
        start = int(marker) if marker else 0
    except ValueError:
        raise InvalidParameterValueError(f"Invalid marker {marker!r}: pass the NextMarker of the previous page.")
    size = default if not max_items else max(1, min(int(max_items), ceiling))
    page = {key: items[start:start + size]}
    if start + size < len(items):
        page["NextMarker"] = str(start + size)
    return page
