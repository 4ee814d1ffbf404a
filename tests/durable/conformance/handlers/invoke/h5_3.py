"""Conformance 5-3: invoke an echo target with a nested JSON input, return the echoed object."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_3_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["TARGET_FUNCTION"], event)
