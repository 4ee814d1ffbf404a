"""Amazon SNS notifications, as SNS delivers them to a subscribed function.

Mirrors https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Mapping
from typing import Any

from ..errors import LambdaLabError
from ._common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Ids, iso_ms, json_body, resolve_now, resolve_rng

__all__ = ["sns", "sns_message_attribute"]


def sns(
    message: str | Mapping[str, Any],
    *,
    topic: str = "my-topic",
    subject: str | None = None,
    message_attributes: Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """One SNS notification (SNS invokes a function once per message).

    >>> event = sns({"order": 7}, topic="orders", subject="New order", now=0, seed=1)
    >>> event["Records"][0]["Sns"]["Message"]
    '{"order": 7}'

    A dict message is JSON-encoded; a missing ``subject`` is ``None``, as SNS sends it.
    ``message_attributes`` takes plain values: ``"x"`` -> String, ``5`` -> Number,
    ``["a", "b"]`` -> String.Array, ``b"..."`` -> Binary.
    See https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
    """
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "sns"))
    topic_arn = f"arn:aws:sns:{region}:{account_id}:{topic}"
    subscription_arn = f"{topic_arn}:{ids.uuid4()}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {
        "Records": [{
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription_arn,
            "EventSource": "aws:sns",
            "Sns": {
                "Type": "Notification",
                "MessageId": ids.uuid4(),
                "TopicArn": topic_arn,
                "Subject": subject,
                "Message": json_body(message),
                "Timestamp": iso_ms(moment),
                "SignatureVersion": "1",
                # An RSA-2048 signature is 256 bytes; ours has the size and alphabet, not the maths.
                "Signature": ids.b64(256),
                "SigningCertUrl": f"{endpoint}/SimpleNotificationService-{ids.hex(32)}.pem",
                "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
                "MessageAttributes": {
                    name: sns_message_attribute(value) for name, value in (message_attributes or {}).items()
                },
            },
        }]
    }


def sns_message_attribute(value: Any) -> dict[str, str]:
    """One attribute in the ``{"Type": ..., "Value": ...}`` form SNS delivers to Lambda."""
    if isinstance(value, Mapping):
        if set(value) != {"Type", "Value"}:
            raise LambdaLabError("an SNS message attribute in SNS's form is {\"Type\": ..., \"Value\": ...}")
        return {"Type": str(value["Type"]), "Value": str(value["Value"])}
    if isinstance(value, (bytes, bytearray)):
        return {"Type": "Binary", "Value": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, bool):
        raise LambdaLabError("SNS has no boolean attribute type: send \"true\"/\"false\" as a String")
    if isinstance(value, (int, float)):
        return {"Type": "Number", "Value": str(value)}
    if isinstance(value, str):
        return {"Type": "String", "Value": value}
    if isinstance(value, (list, tuple)):
        return {"Type": "String.Array", "Value": json.dumps(list(value))}
    raise LambdaLabError(f"an SNS message attribute is a str, number, list or bytes, not {type(value).__name__}")
