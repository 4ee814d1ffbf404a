"""Conformance 5-1: invoke an echo target with the event input, return its result."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_1_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["TARGET_FUNCTION"], event)
