"""Conformance 5-5: invoked target fails, the InvokeError propagates and the execution fails."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_5_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["TARGET_FUNCTION"], None)
