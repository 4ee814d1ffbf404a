"""Conformance 3-15: child body raises directly (no durable operation); ContextFailed, execution fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def child(_child_ctx: DurableContext):
        raise RuntimeError("error thrown directly in child context")

    return context.run_in_child_context(child, name="child")
