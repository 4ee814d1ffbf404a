"""Conformance 4-5: callback with a 10-second heartbeat timeout, heartbeat then success."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name=event, config=CallbackConfig(heartbeat_timeout=Duration.from_seconds(10))
    )
    return callback.result()
