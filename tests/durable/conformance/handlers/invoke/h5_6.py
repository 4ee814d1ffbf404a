"""Conformance 5-6: invoked target fails, the InvokeError is caught and a fallback is returned."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.exceptions import InvokeError

TARGETS = {"TARGET_FUNCTION": ("h5_6_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.invoke(os.environ["TARGET_FUNCTION"], None)
    except InvokeError:
        return "fallback"
