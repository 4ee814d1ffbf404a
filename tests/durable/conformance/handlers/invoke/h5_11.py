"""Conformance 5-11: a step, then an invoke of a target with the step result."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

TARGETS = {"TARGET_FUNCTION": ("h5_11_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    step_result = context.step(lambda _step_ctx: "step-result")
    return context.invoke(os.environ["TARGET_FUNCTION"], step_result)
