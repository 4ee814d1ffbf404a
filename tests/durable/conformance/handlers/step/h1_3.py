"""Conformance 1-3: sequential steps where the second depends on the first."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def step_one(_step_ctx: StepContext):
    return "first"


@durable_step
def step_two(_step_ctx: StepContext, previous):
    return f"{previous}_second"


@durable_execution
def handler(event, context: DurableContext):
    result1 = context.step(step_one())
    result2 = context.step(step_two(result1))
    return result2
