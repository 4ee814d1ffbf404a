"""Every trigger moto knows, routed into real execution with AWS's own invocation semantics.

- S3 and SNS invoke a function *asynchronously* on AWS (202, retries, destinations): moto calls it
  inline, so we hand their events to the lab's asynchronous queue instead.
- EventBridge rules with Lambda targets raise NotImplementedError in moto: we deliver them, also
  asynchronously, applying the target's ``Input`` or ``InputTransformer``.
- SQS event source mappings are polled (see sqs_poller); moto's invoke-on-send is switched off.
- DynamoDB streams are read by Lambda in the background, in order, retrying a failed batch:
  moto calls inline inside the table write, so we queue the batch per function and return.
- moto's ReceiveMessage can hand one message to two concurrent receivers; we make each look atomic.
- S3, SNS and SQS keep the sender's chain of requests for recursive loop detection (recursion.py):
  the S3 and SNS events carry the X-Amzn-Trace-Id of the request that caused them, and SendMessage
  stores it as the message's ``AWSTraceHeader`` system attribute, as SQS does with a traced send.
  EventBridge and DynamoDB streams do not: AWS does not detect loops through them.
Each moto function replaced here is private API; moto is pinned and tests cover every path.
"""

from __future__ import annotations

import base64
import copy
import json
import queue
import random
import threading
import time
from typing import Any
from urllib.parse import quote_plus

import moto.events.models as moto_events
import moto.s3.notifications as moto_s3_notifications
import moto.sns.models as moto_sns
import moto.sqs.models as moto_sqs
from moto.awslambda.models import LambdaBackend

from ...errors import LambdaLabError, TooManyRequestsError
from ...runtime.logs import iso_timestamp
from .async_invoke import AsyncInvoker
from .bridge import MotoLambdaBridge
from .event_filter import patterns_of, split_records
from .recursion import current_trace_header

__all__ = ["TriggerRouter"]

_active: "TriggerRouter | None" = None
_originals: dict[str, Any] = {}


class TriggerRouter:
    def __init__(self, *, bridge: MotoLambdaBridge, invoker: AsyncInvoker, region: str, account_id: str):
        self._bridge = bridge
        self._invoker = invoker
        self.region = region
        self.account_id = account_id
        self._streams = _StreamDispatcher(bridge)

    # -- dispatch ------------------------------------------------------------------------

    def invoke_async(self, function_arn: str, event: dict, trace_header: str | None = None) -> str:
        """Queue an asynchronous invocation of a function named by ARN (maybe qualified).

        ``trace_header``: the chain of requests the event belongs to, for the services whose
        loops Lambda detects (S3, SNS); None starts a new chain.
        """
        parts = function_arn.split(":")
        name = parts[6] if len(parts) > 6 else function_arn
        qualifier = parts[7] if len(parts) > 7 else None
        fn = self._bridge.resolve(name, qualifier)
        return self._invoker.submit(name=fn.function_name, qualifier=qualifier, function_arn=function_arn,
                                    payload=json.dumps(event).encode(), trace_header=trace_header)

    def stream_batch(self, fn, event: dict) -> None:
        self._streams.put(fn, event)

    # -- installing the hooks ------------------------------------------------------------

    def install(self) -> None:
        global _active
        _active = self
        if _originals:
            return
        _originals["s3_event"] = moto_s3_notifications._get_s3_event
        _originals["s3_invoke"] = moto_s3_notifications._invoke_awslambda
        _originals["sns_publish"] = moto_sns.Subscription.publish
        _originals["rule_send"] = moto_events.Rule.send_to_targets
        _originals["create_esm"] = LambdaBackend.create_event_source_mapping
        _originals["receive"] = moto_sqs.SQSBackend.receive_message
        _originals["send"] = moto_sqs.SQSBackend.send_message
        moto_sqs.SQSBackend.receive_message = _receive_message
        moto_sqs.SQSBackend.send_message = _send_message
        moto_s3_notifications._get_s3_event = _s3_event
        moto_s3_notifications._invoke_awslambda = _s3_invoke
        moto_sns.Subscription.publish = _sns_publish
        moto_events.Rule.send_to_targets = _rule_send
        LambdaBackend.create_event_source_mapping = _create_esm

    def uninstall(self) -> None:
        global _active
        if _active is self:
            _active = None
        self._streams.close()


# -- S3 ---------------------------------------------------------------------------------------

def _s3_event(event_name, bucket, key, notification_id):
    event = _originals["s3_event"](event_name, bucket, key, notification_id)
    router = _active
    record = event["Records"][0]
    # moto leaves out fields AWS sends; add them as AWS fills them.
    rng = random.Random()
    record["userIdentity"] = {"principalId": f"AWS:AIDA{_token(rng, 17)}"}
    record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
    record["responseElements"] = {"x-amz-request-id": _token(rng, 16),
                                  "x-amz-id-2": base64.b64encode(rng.randbytes(57)).decode()}
    record["s3"]["bucket"]["ownerIdentity"] = {"principalId": _token(rng, 14)}
    obj = record["s3"]["object"]
    obj["key"] = quote_plus(key.name, safe="/")  # S3 keeps the slashes of a key; moto encodes them
    obj["sequencer"] = f"{time.time_ns() // 1000:016X}"[-18:].rjust(18, "0")
    if getattr(key, "version_id", None) and key.version_id != "null":
        obj["versionId"] = key.version_id
    if record["eventName"].startswith("ObjectRemoved"):
        obj.pop("size", None)
        obj.pop("eTag", None)
    if router is not None:
        record["awsRegion"] = record.get("awsRegion") or router.region
    return event


def _s3_invoke(account_id, event_body, fn_arn, region_name):
    router = _active
    if router is None:
        return _originals["s3_invoke"](account_id, event_body, fn_arn, region_name)
    try:
        router.invoke_async(fn_arn, event_body, trace_header=current_trace_header())
    except LambdaLabError:
        pass  # as on AWS, a notification to a missing function does not fail the upload


# -- SNS --------------------------------------------------------------------------------------

def _sns_publish(self, message, message_id, subject=None, message_attributes=None, group_id=None,
                 deduplication_id=None, message_structure=None):
    router = _active
    if router is None or self.protocol != "lambda":
        return _originals["sns_publish"](self, message, message_id, subject, message_attributes, group_id,
                                         deduplication_id, message_structure)
    if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        structured = json.loads(message)
        message = structured.get("lambda", structured.get("default", message))
    topic_arn = self.topic.arn
    region = topic_arn.split(":")[3]
    rng = random.Random()
    event = {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": self.arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_timestamp(time.time()),
            "SignatureVersion": "1",
            "Signature": base64.b64encode(rng.randbytes(256)).decode(),
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{rng.randbytes(16).hex()}.pem",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={self.arn}",
            "MessageAttributes": {name: {"Type": value.get("DataType", value.get("Type")),
                                         "Value": value.get("StringValue", value.get("BinaryValue", value.get("Value")))}
                                  for name, value in (message_attributes or {}).items()},
        },
    }]}
    try:
        router.invoke_async(self.endpoint, event, trace_header=current_trace_header())
    except LambdaLabError:
        pass
    return None


# -- EventBridge --------------------------------------------------------------------------------

def _rule_send(self, original_event, transform_input=True):
    router = _active
    if router is None:
        return _originals["rule_send"](self, original_event, transform_input)
    if not self.event_pattern.matches_event(original_event):
        return None
    lambda_targets = [t for t in self.targets if ":lambda:" in t.get("Arn", "")]
    others = [t for t in self.targets if t not in lambda_targets]
    if others:
        rest = copy.copy(self)
        rest.targets = others
        _originals["rule_send"](rest, original_event, transform_input)
    for target in lambda_targets:
        try:
            router.invoke_async(target["Arn"], target_input(target, original_event))
        except LambdaLabError:
            pass
    return None


def target_input(target: dict, event: dict) -> Any:
    """What a target receives: the event, or its constant ``Input``, or an ``InputTransformer`` result."""
    if target.get("Input"):
        return json.loads(target["Input"])
    transformer = target.get("InputTransformer")
    if transformer:
        rendered = moto_events.EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}), event=event)
        return rendered
    return _aws_event(event)


def _aws_event(event: dict) -> dict:
    """The event as AWS sends it: ``time`` in ISO 8601 without fractions, no moto bookkeeping."""
    shaped = {k: v for k, v in event.items() if k != "ingestion-time"}  # moto's own bookkeeping
    if isinstance(shaped.get("time"), (int, float)):
        shaped["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(shaped["time"]))
    return shaped


# -- SQS event source mappings ----------------------------------------------------------------

def _create_esm(self, spec):
    esm = _originals["create_esm"](self, spec)
    if _active is not None and ":sqs:" in esm.event_source_arn:
        # Lambda polls the queue (our pollers do); stop moto from invoking inside SendMessage.
        from moto.sqs.models import sqs_backends
        for q in sqs_backends[self.account_id][self.region_name].queues.values():
            q.lambda_event_source_mappings.pop(esm.function_arn, None)
    return esm


_receive_lock = threading.Lock()


def _send_message(self, queue_name, message_body, message_attributes=None, delay_seconds=None,
                  deduplication_id=None, group_id=None, system_attributes=None, validate_group_id=True):
    """moto's SendMessage, keeping the sender's trace header as ``AWSTraceHeader`` (unless the
    sender set that attribute itself), so the chain of requests survives the queue. Also covers
    SendMessageBatch and deliveries from SNS and S3, which moto makes through this method."""
    header = current_trace_header()
    if header and _active is not None and not (system_attributes or {}).get("AWSTraceHeader"):
        system_attributes = {**(system_attributes or {}),
                             "AWSTraceHeader": {"DataType": "String", "StringValue": header}}
    return _originals["send"](self, queue_name, message_body, message_attributes, delay_seconds,
                              deduplication_id, group_id, system_attributes, validate_group_id)


def _receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None):
    """moto's ReceiveMessage without its race: two receivers at once could both take one message
    (it checks and marks visibility without a lock). Each look is atomic here; a long poll waits
    between looks, outside the lock."""
    deadline = time.monotonic() + (wait_seconds_timeout or 0)
    while True:
        with _receive_lock:
            messages = _originals["receive"](self, queue_name, count, 0, visibility_timeout, message_attribute_names)
        if messages or time.monotonic() >= deadline:
            return messages
        time.sleep(0.02)


# -- DynamoDB streams ---------------------------------------------------------------------------

class _StreamDispatcher:
    """Stream batches per function, in order, off the writer's thread, retried with backoff.

    Departure: AWS retries a failing batch until the records expire (or MaximumRetryAttempts);
    we try a batch at most 4 times, so one bad record cannot stall a notebook forever.
    """

    _ATTEMPTS = 4

    def __init__(self, bridge: MotoLambdaBridge):
        self._bridge = bridge
        self._queues: dict[str, queue.SimpleQueue] = {}
        self._lock = threading.Lock()
        self._closed = False

    def put(self, fn, event: dict) -> None:
        records = event.get("Records") or []
        patterns = patterns_of(self._filter_criteria(fn, records))
        if patterns:   # records that match no filter are skipped (AWS: the batch holds only matches)
            records = split_records(patterns, records)[0]
            if not records:
                return
            event = {**event, "Records": records}
        with self._lock:
            if self._closed:
                return
            key = fn.function_arn
            if key not in self._queues:
                self._queues[key] = queue.SimpleQueue()
                threading.Thread(target=self._drain, args=(self._queues[key],), daemon=True,
                                 name=f"stream-{fn.function_name}").start()
            self._queues[key].put((fn, event))

    def _filter_criteria(self, fn, records: list) -> Any:
        """The FilterCriteria of the mapping that reads these records into ``fn`` (None if it has none)."""
        source = records[0].get("eventSourceARN") if records and isinstance(records[0], dict) else None
        for esm in list(self._bridge.backend._event_source_mappings.values()):
            if esm.event_source_arn == source and esm.function_arn.split(":")[6] == fn.function_name:
                return esm.filter_criteria
        return None

    def _drain(self, pending: queue.SimpleQueue) -> None:
        while True:
            item = pending.get()
            if item is None:
                return
            fn, event = item
            payload = json.dumps(event).encode()
            for attempt in range(self._ATTEMPTS):
                try:
                    if self._bridge.invoke(fn, payload).error is None:
                        break
                except TooManyRequestsError:
                    pass
                except LambdaLabError:
                    break
                time.sleep(min(0.1 * 2 ** attempt, 1.0))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for pending in self._queues.values():
                pending.put(None)


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(length))
