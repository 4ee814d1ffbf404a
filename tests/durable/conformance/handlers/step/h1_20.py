"""Conformance 1-20: step error caught by user code, then a second step with a fallback."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, StepError, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def failing_func(_step_ctx: StepContext):
    raise ValueError("Something went wrong")


@durable_step
def use_value(_step_ctx: StepContext, value):
    return value


@durable_execution
def handler(event, context: DurableContext):
    try:
        value = context.step(failing_func(), config=StepConfig(retry_strategy=RetryPresets.none()))
    except StepError:
        value = "fallback_result"
    return context.step(use_value(value))
