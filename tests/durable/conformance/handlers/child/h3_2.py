"""Conformance 3-2: child context named after the first input, step returns the second input."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.step(lambda _step_ctx: event["value"], name="step")

    return context.run_in_child_context(child, name=event["name"])
