"""Conformance 5-7: invoke a target with a large payload (near the 256 KB operation payload limit)."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_7_target", True)}

LARGE_SIZE = 200 * 1024


@durable_execution
def handler(event, context: DurableContext):
    large_payload = {"data": "x" * LARGE_SIZE}
    return context.invoke(os.environ["TARGET_FUNCTION"], large_payload)
