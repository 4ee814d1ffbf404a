"""Conformance 1-9: replay skips a succeeded step."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration


@durable_step
def func(step_ctx: StepContext):
    step_ctx.logger.info("step executed")
    return "cached_value"


@durable_execution
def handler(event, context: DurableContext):
    result = context.step(func())
    context.wait(Duration.from_seconds(1))
    return result
