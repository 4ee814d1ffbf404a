"""SQS event source mappings, polled as Lambda polls them.

https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
moto invokes the function inside SendMessage; Lambda instead runs pollers that receive batches
(up to ``BatchSize``, waiting up to ``MaximumBatchingWindowInSeconds`` to fill one), invoke the
function synchronously, and delete the batch only when the function succeeds. A failed batch
becomes visible again after the queue's visibility timeout and, past the queue's
``maxReceiveCount``, moves to its dead-letter queue (moto's SQS does both). With
``ReportBatchItemFailures`` only the messages the function names are kept. With ``FilterCriteria``,
messages that match no filter are deleted unseen (event_filter.py). We poll, as AWS does.

Recursive loop detection (invocation-recursion.html): a batch runs in the chain of requests its
messages' ``AWSTraceHeader`` names (for a mixed batch, the one furthest along: recursion.py). When
Lambda stops it, "it returns a RecursiveInvocationException to the event source mapping": the batch
stays on the queue, comes back after the visibility timeout and is stopped again, until the
queue's ``maxReceiveCount`` moves it to the queue's dead-letter queue.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from ...errors import LambdaLabError, ResourceNotFoundError, TooManyRequestsError
from .bridge import MotoLambdaBridge
from .event_filter import patterns_of, record_matches
from .recursion import longest_chain

__all__ = ["SqsEventSourcePollers"]

_STANDARD_POLLERS = 5      # Lambda starts with five concurrent batches per standard queue
_IDLE_WAIT_S = 1           # long-poll wait when the queue is empty
_SUPERVISE_EVERY_S = 0.2


class _Poller:
    def __init__(self, esm, *, sqs, bridge: MotoLambdaBridge, region: str):
        self.esm = esm
        self._sqs = sqs
        self._bridge = bridge
        self._region = region
        self._queue_arn = esm.event_source_arn
        name, account = self._queue_arn.split(":")[5], self._queue_arn.split(":")[4]
        self._queue_url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        fifo = name.endswith(".fifo")
        self._stop = threading.Event()
        count = 1 if fifo else min(_STANDARD_POLLERS, _maximum_concurrency(esm))
        self._threads = [threading.Thread(target=self._run, name=f"sqs-poller-{name}-{i}", daemon=True)
                         for i in range(count)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            if not self.esm.enabled:
                self._stop.wait(0.2)
                continue
            try:
                messages = self._collect()
                if messages:
                    backoff = self._deliver(messages, backoff)
            except ResourceNotFoundError:
                self._stop.wait(1.0)  # the function or queue is gone; the supervisor will stop us
            except Exception:  # noqa: BLE001 - a poller must outlive a transient failure
                if self._stop.wait(0.5):
                    return

    def _collect(self) -> list[dict]:
        """Up to BatchSize messages, waiting at most the batching window for more."""
        batch_size = int(self.esm.batch_size or 10)
        window = float(self.esm.max_batch_window or 0)
        deadline = time.monotonic() + window
        messages: list[dict] = []
        while len(messages) < batch_size and not self._stop.is_set():
            wait = 0 if messages else _IDLE_WAIT_S
            if messages and window:
                wait = max(0, min(_IDLE_WAIT_S, int(deadline - time.monotonic())))
            received = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=min(10, batch_size - len(messages)),
                WaitTimeSeconds=wait, AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            messages += received
            if not received and (not messages or time.monotonic() >= deadline):
                break
        return messages

    def _deliver(self, messages: list[dict], backoff: float) -> float:
        patterns = patterns_of(self.esm.filter_criteria)
        if patterns:   # messages that match no filter are deleted, never delivered (as on AWS)
            dropped = [m for m in messages if not record_matches(patterns, sqs_record(m, self._queue_arn, self._region))]
            self._delete(dropped)
            messages = [m for m in messages if m not in dropped]
            if not messages:
                return backoff
        event = {"Records": [sqs_record(m, self._queue_arn, self._region) for m in messages]}
        fn = self._bridge.resolve(self.esm.function_arn)
        headers = (m.get("Attributes", {}).get("AWSTraceHeader") for m in messages)
        chain = longest_chain(headers, fn.function_arn)
        try:
            result = self._bridge.invoke(fn, json.dumps(event).encode(), trace_header=chain)
        except TooManyRequestsError:
            # Throttled: the batch returns after its visibility timeout; poll more slowly meanwhile.
            backoff = min(max(backoff * 2, 0.05), 1.0)
            self._stop.wait(backoff)
            return backoff
        except LambdaLabError:   # RecursiveInvocationException among them: the batch stays on the queue
            return backoff
        if result.error is None:
            self._delete([m for m in messages if m["MessageId"] not in self._failed_ids(result, messages)])
        return 0.0

    def _failed_ids(self, result, messages: list[dict]) -> set[str]:
        """Messages to keep: none on plain success; those named under ReportBatchItemFailures."""
        if "ReportBatchItemFailures" not in (self.esm.function_response_types or []):
            return set()
        every = {m["MessageId"] for m in messages}
        try:
            response = json.loads(result.payload or b"null")
        except ValueError:
            return set()
        failures = response.get("batchItemFailures") if isinstance(response, dict) else None
        if not failures:
            return set()  # null or empty list: the whole batch succeeded
        named = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures}
        if not named <= every:
            return every  # AWS treats an invalid response as the whole batch failing
        return named

    def _delete(self, messages: list[dict]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start:start + 10]
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)])


def sqs_record(message: dict, queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as Lambda delivers it (camelCase, as in AWS's sample event)."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: v for k, v in message.get("Attributes", {}).items()
                       if k in ("ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageGroupId",
                                "MessageDeduplicationId", "AWSTraceHeader")},
        "messageAttributes": {name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _attribute(value: dict) -> dict:
    return {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
            "stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}


def _maximum_concurrency(esm) -> int:
    return int((esm.scaling_config or {}).get("MaximumConcurrency", _STANDARD_POLLERS))


class SqsEventSourcePollers:
    """Keeps one poller per enabled SQS event source mapping, as mappings come and go."""

    def __init__(self, *, bridge: MotoLambdaBridge, sqs_client, region: str):
        self._bridge = bridge
        self._sqs = sqs_client
        self._region = region
        self._pollers: dict[str, _Poller] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="sqs-event-sources", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stop.wait(_SUPERVISE_EVERY_S):
            try:
                self.reconcile()
            except Exception:  # noqa: BLE001 - keep supervising
                pass

    def reconcile(self) -> None:
        mappings = {uuid: esm for uuid, esm in list(self._bridge.backend._event_source_mappings.items())
                    if ":sqs:" in esm.event_source_arn}
        for uuid in set(self._pollers) - set(mappings):
            self._pollers.pop(uuid).stop()
        for uuid, esm in mappings.items():
            if uuid not in self._pollers:
                self._pollers[uuid] = _Poller(esm, sqs=self._sqs, bridge=self._bridge, region=self._region)

    def close(self) -> None:
        self._stop.set()
        for poller in self._pollers.values():
            poller.stop()
        self._pollers.clear()
