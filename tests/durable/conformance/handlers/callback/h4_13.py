"""Conformance 4-13: callback failure caught, then a 2-second wait, then return the message."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    try:
        message = callback.result()
    except Exception as error:  # noqa: BLE001
        message = f"callback failed: {error}"
    context.wait(Duration.from_seconds(2))
    return message
