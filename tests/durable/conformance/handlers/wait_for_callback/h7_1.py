"""Conformance 7-1: wait_for_callback basic, named by the input, completed by an external success."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submitter(callback_id, _callback_ctx):
    """Hands the callback id to the external system; nothing durable happens here."""
    return None


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submitter, name=event)
