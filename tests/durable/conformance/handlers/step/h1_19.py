"""Conformance 1-19: step with error, no retries (fails permanently)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def failing_func(_step_ctx: StepContext):
    raise ValueError("Something went wrong")


@durable_execution
def handler(event, context: DurableContext):
    return context.step(failing_func(), config=StepConfig(retry_strategy=RetryPresets.none()))
