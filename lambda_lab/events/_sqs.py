"""Amazon SQS batches, as Lambda's event source mapping delivers them.

Mirrors https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
"""

from __future__ import annotations

import base64
import hashlib
import random
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import LambdaLabError
from ._common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Ids, epoch_ms, json_body, resolve_now, resolve_rng

__all__ = ["sqs", "sqs_message_attribute", "md5_of_message_attributes"]


def sqs(
    bodies: str | Mapping[str, Any] | Sequence[str | Mapping[str, Any]],
    *,
    queue: str = "my-queue",
    fifo: bool = False,
    message_group_id: str | None = None,
    message_attributes: Mapping[str, Any] | None = None,
    receive_count: int = 1,
    sender_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A batch of SQS messages, one record per body.

    >>> event = sqs(["order-1", {"order": 2}], queue="orders", now=0, seed=1)
    >>> [r["body"] for r in event["Records"]]
    ['order-1', '{"order": 2}']

    A single string or dict is a batch of one and a list is a batch; dicts are JSON-encoded as a
    producer would send them (to send one JSON array, pass ``json.dumps([...])``). ``fifo=True`` (or a queue name ending in ``.fifo``) adds ``SequenceNumber``,
    ``MessageGroupId`` and ``MessageDeduplicationId``. ``message_attributes`` takes plain values
    (``{"priority": 5}``) or SQS's own form (``{"dataType": ..., "stringValue": ...}``).
    See https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
    """
    if isinstance(bodies, (str, Mapping)):
        bodies = [bodies]
    if not bodies:
        raise LambdaLabError("an SQS batch holds at least one message: pass a body or a list of bodies")
    if receive_count < 1:
        raise LambdaLabError("receive_count counts deliveries, so it starts at 1")
    # A FIFO queue's name must end in ".fifo" on AWS; we add the suffix rather than refuse.
    fifo = fifo or queue.endswith(".fifo")
    if fifo and not queue.endswith(".fifo"):
        queue += ".fifo"
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "sqs"))
    sender = sender_id if sender_id is not None else ids.iam_user_id()
    attributes = {name: sqs_message_attribute(value) for name, value in (message_attributes or {}).items()}
    sent_ms = epoch_ms(moment)
    # FIFO sequence numbers are 20-digit decimals that grow within a message group.
    sequence = ids.rng.randrange(10**19, 9 * 10**19)
    records = []
    for index, body in enumerate(bodies):
        text = json_body(body)
        sent = sent_ms + index
        attrs = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": str(sent)}
        if fifo:
            attrs["SequenceNumber"] = str(sequence + index * ids.rng.randint(1, 10**6))
            attrs["MessageGroupId"] = message_group_id if message_group_id is not None else "default"
        attrs["SenderId"] = sender
        if fifo:
            # What SQS computes with content-based deduplication: the SHA-256 of the body.
            attrs["MessageDeduplicationId"] = hashlib.sha256(text.encode()).hexdigest()
        attrs["ApproximateFirstReceiveTimestamp"] = str(sent + ids.rng.randint(1, 40))
        record: dict[str, Any] = {
            "messageId": ids.uuid4(),
            "receiptHandle": "AQEB" + ids.b64(132),
            "body": text,
            "attributes": attrs,
            "messageAttributes": {name: dict(value) for name, value in attributes.items()},
            "md5OfBody": hashlib.md5(text.encode()).hexdigest(),
        }
        if attributes:
            record["md5OfMessageAttributes"] = md5_of_message_attributes(attributes)
        record.update({
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{region}:{account_id}:{queue}",
            "awsRegion": region,
        })
        records.append(record)
    return {"Records": records}


def sqs_message_attribute(value: Any) -> dict[str, Any]:
    """One message attribute in the form Lambda delivers it.

    ``"high"`` -> String, ``5`` -> Number, ``b"..."`` -> Binary (base64); a dict already in SQS's
    form (``{"dataType": "String", "stringValue": "x"}``) is completed, not changed.
    """
    if isinstance(value, Mapping):
        if "dataType" not in value:
            raise LambdaLabError("an SQS message attribute in SQS's form needs a dataType (String, Number or Binary)")
        attribute = dict(value)
    elif isinstance(value, (bytes, bytearray)):
        attribute = {"binaryValue": base64.b64encode(bytes(value)).decode("ascii"), "dataType": "Binary"}
    elif isinstance(value, bool):
        raise LambdaLabError("SQS has no boolean attribute type: send \"true\"/\"false\" as a String")
    elif isinstance(value, (int, float)):
        attribute = {"stringValue": str(value), "dataType": "Number"}
    elif isinstance(value, str):
        attribute = {"stringValue": value, "dataType": "String"}
    else:
        raise LambdaLabError(f"an SQS message attribute is a str, number or bytes, not {type(value).__name__}")
    # Lambda always writes the two list fields SQS reserves for future use, empty.
    attribute.setdefault("stringListValues", [])
    attribute.setdefault("binaryListValues", [])
    return attribute


def md5_of_message_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """The MD5 SQS computes over message attributes (``MD5OfMessageAttributes``).

    The algorithm is SQS's: names in order, each of name, data type and value prefixed with its
    4-byte big-endian length, and a transport byte (1 = string, 2 = binary) before the value.
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
    """
    digest = hashlib.md5()

    def put(data: bytes) -> None:
        digest.update(struct.pack(">I", len(data)) + data)

    for name in sorted(attributes):
        attribute = attributes[name]
        put(name.encode())
        put(attribute["dataType"].encode())
        if "binaryValue" in attribute:
            digest.update(b"\x02")
            put(base64.b64decode(attribute["binaryValue"]))
        else:
            digest.update(b"\x01")
            put(attribute["stringValue"].encode())
    return digest.hexdigest()
