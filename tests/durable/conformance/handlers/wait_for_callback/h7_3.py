"""Conformance 7-3: wait_for_callback with only an anonymous inline submitter and no name."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(lambda _callback_id, _callback_ctx: None)
