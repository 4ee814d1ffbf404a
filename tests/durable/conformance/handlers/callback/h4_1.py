"""Conformance 4-1: create callback basic, completed by an external success callback."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    return callback.result()
