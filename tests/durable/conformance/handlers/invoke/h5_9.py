"""Conformance 5-9: invoke then wait; on replay the invoke result comes from the checkpoint."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

TARGETS = {"TARGET_FUNCTION": ("h5_9_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    result = context.invoke(os.environ["TARGET_FUNCTION"], None)
    context.wait(Duration.from_seconds(1))
    return result
