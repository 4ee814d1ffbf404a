"""One durable execution: its operations, its history and its identifiers, as AWS shapes them.

Shapes follow botocore's Lambda model (API version 2025-12-01): an operation is the
``Operation`` structure of GetDurableExecutionState, an event is the ``Event`` structure of
GetDurableExecutionHistory. Both are kept as plain dicts in those shapes, so the HTTP layer only
serialises them. Timestamps are epoch seconds (floats) on the lab clock.

History events are appended as things happen, and ``EventId`` is the position in the log,
starting at 1 with ``ExecutionStarted``: that is the order AWS's conformance requirements check.
https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field

__all__ = ["DurableExecution", "TERMINAL", "execution_arn", "decode_token", "encode_token",
           "callback_id_for", "decode_callback_id", "TERMINAL_OPERATION"]

#: Execution statuses from which nothing moves on.
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
TERMINAL_OPERATION = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"})

# Which details structure each operation type carries (botocore: Operation).
DETAILS_KEY = {"EXECUTION": "ExecutionDetails", "CONTEXT": "ContextDetails", "STEP": "StepDetails",
               "WAIT": "WaitDetails", "CALLBACK": "CallbackDetails", "CHAINED_INVOKE": "ChainedInvokeDetails"}


def execution_arn(function_arn: str, qualifier: str, name: str, execution_id: str) -> str:
    """``arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>/durable-execution/<name>/<id>``."""
    return f"{function_arn}:{qualifier}/durable-execution/{name}/{execution_id}"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def encode_token(execution_id: str, invocation: int, sequence: int) -> str:
    # AWS's tokens are opaque base64 (pattern [A-Za-z0-9+/]+={0,2}); ours name what they stand for.
    return _b64(f"{execution_id}:{invocation}:{sequence}")


def decode_token(token: str) -> tuple[str, int, int] | None:
    try:
        execution_id, invocation, sequence = base64.b64decode(token, validate=True).decode().split(":")
        return execution_id, int(invocation), int(sequence)
    except (ValueError, UnicodeDecodeError):
        return None


def callback_id_for(execution_arn_: str, operation_id: str) -> str:
    return _b64(json.dumps([execution_arn_, operation_id]))


def decode_callback_id(callback_id: str) -> tuple[str, str] | None:
    try:
        arn, operation_id = json.loads(base64.b64decode(callback_id, validate=True))
        return str(arn), str(operation_id)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


@dataclass
class Invocation:
    """One invocation of the handler that belongs to this execution."""

    number: int
    request_id: str = ""
    started: float = 0.0


_PAYLOAD_KEYS = ("Input", "Result", "Error", "Reason")


@dataclass
class DurableExecution:
    arn: str
    name: str
    execution_id: str
    function_name: str
    function_arn: str          # qualified, as GetDurableExecution reports it
    version: str
    input_payload: str
    durable_config: dict
    started: float
    parent: tuple[str, str] | None = None      # (parent execution ARN, chained-invoke operation id)
    status: str = "RUNNING"
    ended: float | None = None
    result: str | None = None
    error: dict | None = None
    operations: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    # -- orchestration state (not part of AWS's API shapes) --
    invocation: Invocation | None = None       # the invocation running now, if any
    invocations: int = 0
    token_sequence: int = 0
    undelivered: list[str] = field(default_factory=list)   # operations changed while no handler saw them
    failed_invocations: int = 0
    invalid_pending: int = 0
    paused: dict | None = None
    pending_invoke: bool = False                # a re-invocation is due

    @property
    def execution_operation_id(self) -> str:
        # The EXECUTION operation's id is the ARN's last part: the SDK finds its input there.
        return self.execution_id

    # -- tokens --------------------------------------------------------------------------

    def new_token(self) -> str:
        assert self.invocation is not None
        self.token_sequence += 1
        return encode_token(self.execution_id, self.invocation.number, self.token_sequence)

    def token_is_current(self, token: str) -> bool:
        decoded = decode_token(token)
        return (decoded is not None and self.invocation is not None and self.status == "RUNNING"
                and decoded == (self.execution_id, self.invocation.number, self.token_sequence))

    # -- history -------------------------------------------------------------------------

    def emit(self, event_type: str, now: float, details: dict | None = None, *, operation: dict | None = None,
             details_key: str | None = None) -> dict:
        """Append one history event; its EventId is its position in the log."""
        event: dict = {"EventType": event_type, "EventId": len(self.events) + 1}
        if operation is not None:
            if operation.get("SubType"):
                event["SubType"] = operation["SubType"]
            event["Id"] = operation["Id"]
            if operation.get("Name"):
                event["Name"] = operation["Name"]
            if operation.get("ParentId"):
                event["ParentId"] = operation["ParentId"]
        event["EventTimestamp"] = now
        details = details or {}
        for key in _PAYLOAD_KEYS:
            # EventInput, EventResult, EventError...: {Payload, Truncated}; the lab never truncates.
            if isinstance(details.get(key), dict) and "Payload" in details[key]:
                details[key].setdefault("Truncated", False)
        event[details_key or f"{event_type}Details"] = details
        self.events.append(event)
        return event

    def history(self, *, include_data: bool) -> list[dict]:
        events = copy.deepcopy(self.events)
        if not include_data:
            for event in events:
                for details in event.values():
                    if isinstance(details, dict):
                        for key in ("Input", "Result"):
                            if isinstance(details.get(key), dict):
                                details[key].pop("Payload", None)
        return events

    # -- operations ----------------------------------------------------------------------

    def execution_operation(self) -> dict:
        return {"Id": self.execution_operation_id, "Type": "EXECUTION", "StartTimestamp": self.started,
                "Status": "STARTED" if self.status == "RUNNING" else self.status,
                "ExecutionDetails": {"InputPayload": self.input_payload}}

    def all_operations(self) -> list[dict]:
        """What a handler sees on (re)invocation: the EXECUTION operation first, then the rest in order."""
        return [self.execution_operation(), *copy.deepcopy(list(self.operations.values()))]

    def mark_updated(self, operation_id: str) -> None:
        """The service changed an operation (a wait ended, a callback came): the handler must hear of it."""
        if operation_id not in self.undelivered:
            self.undelivered.append(operation_id)

    def has_outstanding_work(self) -> bool:
        """Something will resume this execution without a new handler decision (a timer, a callback...)."""
        for op in self.operations.values():
            if op["Status"] in ("STARTED", "PENDING", "READY") and op["Type"] in ("WAIT", "CALLBACK", "CHAINED_INVOKE"):
                return True
            if op["Type"] == "STEP" and op["Status"] in ("PENDING", "READY"):
                return True
        return False

    # -- API views -----------------------------------------------------------------------

    def summary(self) -> dict:
        """One entry of ListDurableExecutionsByFunction."""
        entry = {"DurableExecutionArn": self.arn, "DurableExecutionName": self.name,
                 "FunctionArn": self.function_arn, "Status": self.status, "StartTimestamp": self.started}
        if self.ended is not None:
            entry["EndTimestamp"] = self.ended
        return entry

    def describe(self, *, include_data: bool = True) -> dict:
        """GetDurableExecution's answer."""
        answer = {**self.summary(), "Version": self.version,
                  "DurableConfig": dict(self.durable_config),
                  "ExpectedExecutionTimeoutTimestamp": self.started + int(self.durable_config["ExecutionTimeout"]),
                  "ExecutionDataIncluded": include_data}
        answer.pop("EndTimestamp", None)
        if self.ended is not None:
            answer["EndTimestamp"] = self.ended
        if include_data:
            answer["InputPayload"] = self.input_payload
            if self.result is not None:
                answer["Result"] = self.result
        if self.error is not None:
            answer["Error"] = dict(self.error)
        if self.paused is not None:
            answer["PauseDetails"] = dict(self.paused)
        return answer
