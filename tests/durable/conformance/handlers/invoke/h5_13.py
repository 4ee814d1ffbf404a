"""Conformance 5-13: invoke inside a child context; the child returns the invoke result."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_13_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.invoke(os.environ["TARGET_FUNCTION"], "child-input")

    return context.run_in_child_context(child)
