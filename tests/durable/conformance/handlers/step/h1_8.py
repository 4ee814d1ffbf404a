"""Conformance 1-8: step and wait with replay."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration


@durable_step
def compute(_step_ctx: StepContext):
    return "computed"


@durable_execution
def handler(event, context: DurableContext):
    result = context.step(compute())
    context.wait(Duration.from_seconds(2))
    return result
