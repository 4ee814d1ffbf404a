"""Conformance 5-2: invoke an echo target with an explicit name taken from the input."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_2_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["TARGET_FUNCTION"], event["payload"], name=event["name"])
