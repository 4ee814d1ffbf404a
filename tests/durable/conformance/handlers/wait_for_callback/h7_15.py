"""Conformance 7-15: wait_for_callback completed with an empty (null) success payload; returns it."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submitter, name=event)
