"""Conformance 3-9: child context then a wait; replay returns the child's cached result."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.step(lambda _step_ctx: event, name="step")

    result = context.run_in_child_context(child)
    context.wait(Duration.from_seconds(1), name="wait")
    return result
