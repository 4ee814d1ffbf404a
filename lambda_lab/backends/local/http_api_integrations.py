"""An HTTP API's AWS service integrations (integration subtypes such as ``SQS-SendMessage``).

An HTTP API can call some AWS actions itself, with no function in between: the integration names
a subtype and maps request values onto the action's parameters (``$request.body.name``,
``$request.header.x``, ``$request.querystring.x``, ``$request.path.x``, ``$context.x``,
``$stageVariables.x``, or a static value, also mixed into text: ``order-$request.body.id``).
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html

The call goes to the lab's own endpoint. Where we depart from AWS: the integration's credentials
role is not assumed (the lab's own credentials are used), and the answer is the action's result as
JSON (without ResponseMetadata), where AWS passes on the service's own response body.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from ...errors import LambdaLabError

__all__ = ["SUBTYPES", "call_subtype", "mapped_value"]

#: subtype -> (boto3 service, operation, the parameters AWS's reference lists for it)
SUBTYPES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "SQS-SendMessage": ("sqs", "send_message", ("QueueUrl", "MessageBody", "DelaySeconds", "MessageAttributes",
                                                "MessageDeduplicationId", "MessageGroupId", "MessageSystemAttributes")),
    "SQS-ReceiveMessage": ("sqs", "receive_message", ("QueueUrl", "AttributeNames", "MaxNumberOfMessages",
                                                      "MessageAttributeNames", "ReceiveRequestAttemptId",
                                                      "VisibilityTimeout", "WaitTimeSeconds")),
    "SQS-DeleteMessage": ("sqs", "delete_message", ("QueueUrl", "ReceiptHandle")),
    "SQS-PurgeQueue": ("sqs", "purge_queue", ("QueueUrl",)),
    "EventBridge-PutEvents": ("events", "put_events", ("Detail", "DetailType", "Source", "Time", "EventBusName",
                                                       "Resources", "TraceHeader")),
    "Kinesis-PutRecord": ("kinesis", "put_record", ("StreamName", "Data", "PartitionKey", "SequenceNumberForOrdering",
                                                    "ExplicitHashKey")),
    "StepFunctions-StartExecution": ("stepfunctions", "start_execution", ("StateMachineArn", "Name", "Input")),
    "StepFunctions-StartSyncExecution": ("stepfunctions", "start_sync_execution", ("StateMachineArn", "Name",
                                                                                    "Input", "TraceHeader")),
    "StepFunctions-StopExecution": ("stepfunctions", "stop_execution", ("ExecutionArn", "Cause", "Error")),
}
_SELECTOR = re.compile(r"\$(request\.(?:body(?:\.[\w.\[\]-]+)?|header\.[\w-]+|querystring\.[\w-]+|path\.[\w-]+)"
                       r"|context\.[\w.]+|stageVariables\.\w+)")
_INTEGERS = {"DelaySeconds", "MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds"}


class SubtypeError(LambdaLabError):
    """A mapping API Gateway would refuse (answered as a 400/500 by the front)."""


def mapped_value(expression: str, request: dict[str, Any]) -> str:
    """One parameter mapping's value: selectors replaced by what they select in ``request``.

    ``request`` holds ``body`` (the raw text), ``header``, ``querystring``, ``path``, ``context``
    and ``stageVariables``.
    """
    def select(match: re.Match) -> str:
        kind, _, rest = match[1].partition(".")
        if kind == "request":
            source, _, key = rest.partition(".")
            if source == "body":
                return _body_value(request.get("body") or "", key)
            found = request.get(source) or {}
            if source == "header":
                found = {k.lower(): v for k, v in found.items()}
                key = key.lower()
            return str(found.get(key, ""))
        value: Any = request.get(kind) or {}
        for part in rest.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return str(value)
    return _SELECTOR.sub(select, expression)


def _body_value(body: str, path: str) -> str:
    if not path:
        return body
    try:
        value: Any = json.loads(body)
    except ValueError:
        return ""
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def call_subtype(subtype: str, mappings: dict[str, str], request: dict[str, Any],
                 client: Callable[[str], Any]) -> tuple[int, bytes]:
    """Run the integration's action; (HTTP status, JSON body) as the HTTP API answers."""
    if subtype not in SUBTYPES:
        raise SubtypeError(f"The lab does not serve the integration subtype {subtype!r}; it serves "
                           f"{', '.join(sorted(SUBTYPES))}.")
    service, operation, allowed = SUBTYPES[subtype]
    unknown = sorted(set(mappings) - set(allowed) - {"Region"})
    if unknown:
        raise SubtypeError(f"{subtype} has no parameter {unknown[0]!r}; it takes {', '.join(allowed)}.")
    parameters: dict[str, Any] = {k: mapped_value(v, request) for k, v in mappings.items() if k != "Region"}
    for name in _INTEGERS & parameters.keys():
        parameters[name] = int(parameters[name])
    if subtype == "EventBridge-PutEvents":
        parameters = {"Entries": [parameters]}
    if subtype == "Kinesis-PutRecord":
        parameters["Data"] = parameters["Data"].encode()
    try:
        answer = getattr(client(service), operation)(**parameters)
    except Exception as exc:  # noqa: BLE001 - the service's error becomes the HTTP answer, as in API Gateway
        error = getattr(exc, "response", {}).get("Error", {})
        status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return status, json.dumps({"message": error.get("Message") or str(exc)}).encode()
    answer.pop("ResponseMetadata", None)
    return 200, json.dumps(answer, default=str).encode()
