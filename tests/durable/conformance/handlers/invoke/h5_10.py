"""Conformance 5-10: failed invoke caught, then wait; on replay the error is re-thrown from cache."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.exceptions import InvokeError

TARGETS = {"TARGET_FUNCTION": ("h5_10_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    try:
        context.invoke(os.environ["TARGET_FUNCTION"], None)
        outcome = "no error"
    except InvokeError:
        outcome = "caught"
    context.wait(Duration.from_seconds(1))
    return outcome
