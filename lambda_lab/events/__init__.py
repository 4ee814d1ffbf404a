"""Real-shaped events for every source that invokes a function, as plain dicts.

Each builder takes the fields that matter to a handler and fills the rest with realistic values in
AWS's exact shape (keys, types, nesting), so a handler tested here meets the same event in AWS::

    from lambda_lab import events
    events.sqs(["order-1", "order-2"], queue="orders")
    events.s3_put("photos", "cats/tom.jpg", size=2048)
    events.api_gateway("POST", "/orders", body={"sku": "A1"})

Pass ``now=`` (epoch seconds) and ``seed=`` (or ``rng=random.Random(...)``) to get the same ids
and timestamps every time; without them, an event is stamped with the current time and fresh ids.
"""

from ._apigateway import api_gateway, api_gateway_v2
from ._dynamodb import dynamodb_stream, to_dynamodb_json
from ._eventbridge import eventbridge, schedule
from ._function_url import function_url
from ._s3 import s3_delete, s3_put
from ._sns import sns
from ._sqs import sqs
from ._stepfunctions import step_functions

__all__ = [
    "s3_put",
    "s3_delete",
    "sqs",
    "sns",
    "api_gateway",
    "api_gateway_v2",
    "function_url",
    "eventbridge",
    "schedule",
    "dynamodb_stream",
    "to_dynamodb_json",
    "step_functions",
]
