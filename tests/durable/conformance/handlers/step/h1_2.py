"""Conformance 1-2: step with explicit name."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _step_ctx: f"Hello, {event}!", name="custom_step_name")
