"""Conformance 4-6: external failure callback; handler does not catch, execution fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    return callback.result()
