"""Conformance 4-14: callback timeout (3s) caught, then a 2-second wait, then return."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name=event, config=CallbackConfig(timeout=Duration.from_seconds(3))
    )
    try:
        message = callback.result()
    except Exception as error:  # noqa: BLE001
        message = f"callback timed out: {error}"
    context.wait(Duration.from_seconds(2))
    return message
