"""Conformance 3-18: child with a step and a wait inside, then a step and a wait at the top level."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        child_ctx.step(lambda _step_ctx: event, name="inner-step")
        child_ctx.wait(Duration.from_seconds(1), name="inner-wait")
        return event

    context.run_in_child_context(child, name="child")
    result = context.step(lambda _step_ctx: event, name="outer-step")
    context.wait(Duration.from_seconds(1), name="outer-wait")
    return result
