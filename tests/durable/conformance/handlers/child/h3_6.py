"""Conformance 3-6: nested child contexts, each with a step returning the input."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def inner(inner_ctx: DurableContext):
        return inner_ctx.step(lambda _step_ctx: event, name="inner-step")

    def outer(outer_ctx: DurableContext):
        outer_ctx.step(lambda _step_ctx: event, name="outer-step")
        return outer_ctx.run_in_child_context(inner, name="inner")

    return context.run_in_child_context(outer, name="outer")
