"""Conformance 3-16: child context returns null without any durable operation."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def child(_child_ctx: DurableContext):
        return None

    return context.run_in_child_context(child, name="child")
