"""Conformance 4-7: create callback, run a step, then await the callback (external failure)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    context.step(lambda _step_ctx: "step done")
    return callback.result()
