"""Conformance 5-14: two sequential invokes of two target functions."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {
    "TARGET_FUNCTION_1": ("h5_14_target", True),
    "TARGET_FUNCTION_2": ("h5_14_target2", True),
}


@durable_execution
def handler(event, context: DurableContext):
    first = context.invoke(os.environ["TARGET_FUNCTION_1"], "first")
    second = context.invoke(os.environ["TARGET_FUNCTION_2"], "second")
    return [first, second]
