"""Conformance 3-13: child context containing only a wait, then a step outside the child."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        child_ctx.wait(Duration.from_seconds(1), name="wait")
        return event

    context.run_in_child_context(child, name="child")
    return context.step(lambda _step_ctx: event, name="outer-step")
