"""Asynchronous invocation (InvocationType=Event), with AWS's retries and destinations.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
Lambda queues the event and answers 202 at once. If the function returns an error, Lambda tries
twice more, waiting about one minute before the second attempt and two before the third
(``MaximumRetryAttempts`` 0-2, default 2). A throttled event is retried with backoff until it is
``MaximumEventAgeInSeconds`` old (default 6 hours). An event that still fails goes to the on-failure
destination, or else the dead-letter queue; a success goes to the on-success destination.
An event that recursive loop detection stops is not retried: it goes to the on-failure destination
or dead-letter queue at once, if there is one (invocation-recursion.html), or else is dropped.
Waits run on the lab clock, so ``lab.clock.advance(180)`` brings retries due at once.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from ...clock import Clock
from ...errors import RecursiveInvocationError, TooManyRequestsError
from ...runtime import InvocationResult
from ...runtime.logs import iso_timestamp

__all__ = ["AsyncInvoker", "AsyncEvent"]

RETRY_DELAYS_S = (60.0, 120.0)          # before the 2nd and the 3rd attempt
THROTTLE_BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 300.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 6 * 3600


@dataclass
class AsyncEvent:
    request_id: str
    function_arn: str          # qualified or not, as invoked
    name: str
    qualifier: str | None
    payload: bytes
    queued_at: float
    attempts: int = 0
    throttles: int = 0
    trace_header: str | None = None   # the chain of requests it belongs to (recursion.py)
    tenant_id: str | None = None      # the tenant, for a function with tenant isolation (tenancy.py)
    last_result: InvocationResult | None = None


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    event: AsyncEvent = field(compare=False)


Runner = Callable[[AsyncEvent], InvocationResult]
Settings = Callable[[AsyncEvent], dict]
Deliver = Callable[[str, dict, AsyncEvent, bool], None]


class AsyncInvoker:
    """An event queue per lab: runs events on worker threads, keeps retries on the lab clock."""

    def __init__(self, *, run: Runner, settings: Settings, deliver: Deliver, clock: Clock, workers: int = 4):
        self._run = run
        self._settings = settings
        self._deliver = deliver
        self._clock = clock
        self._due: list[_Due] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")
        self._in_flight = 0
        self._closed = False
        self._thread = threading.Thread(target=self._dispatch, name="lambda-async-dispatch", daemon=True)
        self._thread.start()

    def submit(self, *, name: str, qualifier: str | None, function_arn: str, payload: bytes,
               trace_header: str | None = None, tenant_id: str | None = None) -> str:
        event = AsyncEvent(request_id=str(uuid.uuid4()), function_arn=function_arn, name=name,
                           qualifier=qualifier, payload=payload, queued_at=self._clock.now(),
                           trace_header=trace_header, tenant_id=tenant_id)
        self._schedule(event, 0.0)
        return event.request_id

    def pending(self) -> int:
        """Events queued, waiting for a retry, or running."""
        with self._cond:
            return len(self._due) + self._in_flight

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Block until nothing is due *now* or running (retries waiting on the clock don't count)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._in_flight == 0 and not any(d.at <= self._clock.now() for d in self._due), timeout_s)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- internals ----------------------------------------------------------------------------

    def _schedule(self, event: AsyncEvent, delay_s: float) -> None:
        with self._cond:
            heapq.heappush(self._due, _Due(self._clock.now() + delay_s, next(self._seq), event))
            self._cond.notify_all()

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                if not self._due or self._due[0].at > self._clock.now():
                    # The lab clock may be advanced or sped up at any moment: look again soon.
                    self._cond.wait(0.02)
                    continue
                event = heapq.heappop(self._due).event
                self._in_flight += 1
            self._pool.submit(self._attempt, event)

    def _attempt(self, event: AsyncEvent) -> None:
        try:
            self._attempt_once(event)
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _attempt_once(self, event: AsyncEvent) -> None:
        settings = self._settings(event)
        max_age = settings.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S)
        max_retries = settings.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)
        if self._clock.now() - event.queued_at > max_age:
            self._fail(event, settings, "EventAgeExceeded")
            return
        try:
            result = self._run(event)
        except TooManyRequestsError:
            # Throttles do not use up attempts; Lambda keeps the event and backs off.
            delay = THROTTLE_BACKOFF_S[min(event.throttles, len(THROTTLE_BACKOFF_S) - 1)]
            event.throttles += 1
            self._schedule(event, delay)
            return
        except RecursiveInvocationError:
            # AWS names no condition for this record; we name the error that stopped the event.
            self._fail(event, settings, "RecursiveInvocationException")
            return
        event.attempts += 1
        event.last_result = result
        if result.error is None:
            destination = settings.get("DestinationConfig", {}).get("OnSuccess", {}).get("Destination")
            if destination:
                self._deliver(destination, destination_record(event, "Success"), event, False)
            return
        if event.attempts <= max_retries:
            self._schedule(event, RETRY_DELAYS_S[min(event.attempts - 1, len(RETRY_DELAYS_S) - 1)])
            return
        self._fail(event, settings, "RetriesExhausted")

    def _fail(self, event: AsyncEvent, settings: dict, condition: str) -> None:
        destination = settings.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination:
            self._deliver(destination, destination_record(event, condition), event, False)
        elif settings.get("DeadLetterTargetArn"):
            self._deliver(settings["DeadLetterTargetArn"], {}, event, True)


def destination_record(event: AsyncEvent, condition: str) -> dict:
    """The invocation record AWS sends to a destination."""
    result = event.last_result
    record = {
        "version": "1.0",
        "timestamp": iso_timestamp(event.queued_at),
        "requestContext": {"requestId": event.request_id, "functionArn": event.function_arn,
                           "condition": condition, "approximateInvokeCount": max(1, event.attempts)},
        "requestPayload": _json_or_text(event.payload),
        "responseContext": {"statusCode": 200, "executedVersion": result.version if result else "$LATEST"},
        "responsePayload": _json_or_text(result.payload) if result else None,
    }
    if result is not None and result.error is not None:
        record["responseContext"]["functionError"] = "Unhandled"
    return record


def _json_or_text(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")
