"""Conformance 4-12: callback success, then a 2-second wait, then return the callback result."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    result = callback.result()
    context.wait(Duration.from_seconds(2))
    return result
