"""Conformance 5-12: an invoke, then a step that processes the invoke result."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_12_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    invoke_result = context.invoke(os.environ["TARGET_FUNCTION"], "invoke-input")
    return context.step(lambda _step_ctx: f"processed: {invoke_result}")
