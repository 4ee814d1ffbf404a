"""Conformance 4-8: create callback (5s timeout), run a step, then await the callback (times out)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name=event, config=CallbackConfig(timeout=Duration.from_seconds(5))
    )
    context.step(lambda _step_ctx: "step done")
    return callback.result()
