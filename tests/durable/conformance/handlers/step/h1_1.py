"""Conformance 1-1: step basic (succeeds on first attempt)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def greet(_step_ctx: StepContext, name):
    return f"Hello, {name}!"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(greet(event))
