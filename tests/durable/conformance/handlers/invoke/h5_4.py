"""Conformance 5-4: invoke an echo target with a null payload, return the null result."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_4_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["TARGET_FUNCTION"], None)
