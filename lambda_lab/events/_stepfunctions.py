"""What a Step Functions Task state passes to a function: the state's input, nothing around it.

Mirrors https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import LambdaLabError

__all__ = ["step_functions"]


def step_functions(input: Any = None) -> Any:
    """The event a Task state invokes a function with: just the (JSON) state input.

    >>> step_functions({"orderId": "o-1", "items": 3})
    {'orderId': 'o-1', 'items': 3}

    Unlike the other sources there is no envelope: no ``Records``, ids or timestamps. With the
    ``arn:aws:states:::lambda:invoke`` integration and ``"Payload.$": "$"`` (the default), and
    with a function ARN as the Task's ``Resource``, the event *is* the state input. The builder
    exists so every source has one, and to check that the input survives JSON as AWS sends it.
    See https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
    """
    try:
        # A round trip through JSON is what AWS does, and hands the caller a copy.
        return json.loads(json.dumps({} if input is None else input, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise LambdaLabError(f"a state input must be JSON: {error}") from None
