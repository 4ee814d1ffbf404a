"""Conformance 3-10: child context with a step followed by a wait inside."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        result = child_ctx.step(lambda _step_ctx: event, name="step")
        child_ctx.wait(Duration.from_seconds(1), name="wait")
        return result

    return context.run_in_child_context(child, name="child")
