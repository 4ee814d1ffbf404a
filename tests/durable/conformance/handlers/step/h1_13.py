"""Conformance 1-13: default retry strategy (fails twice, succeeds on attempt 3)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step

FUNCTION_TIMEOUT = 30
EXECUTION_TIMEOUT = 300


@durable_step
def unreliable_func(step_ctx: StepContext):
    if step_ctx.attempt < 3:
        raise RuntimeError(f"Transient failure on attempt {step_ctx.attempt}")
    return "Operation succeeded"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(unreliable_func())
