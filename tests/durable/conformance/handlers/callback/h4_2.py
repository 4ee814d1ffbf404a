"""Conformance 4-2: create callback with explicit name "approval"."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="approval")
    return callback.result()
