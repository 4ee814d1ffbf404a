"""Conformance 4-9: create callback, wait 5s, then await the callback (success during the wait)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    context.wait(Duration.from_seconds(5))
    return callback.result()
