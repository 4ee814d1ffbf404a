"""Conformance 3-3: child context with two sequential steps, the second consuming the first."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        first = child_ctx.step(lambda _step_ctx: event, name="step-1")
        return child_ctx.step(lambda _step_ctx: first, name="step-2")

    return context.run_in_child_context(child, name="child")
