"""Conformance 4-11: create callback (3s timeout), wait 6s, then await the callback (timed out)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name=event, config=CallbackConfig(timeout=Duration.from_seconds(3))
    )
    context.wait(Duration.from_seconds(6))
    return callback.result()
