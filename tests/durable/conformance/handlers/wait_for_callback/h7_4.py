"""Conformance 7-4: wait_for_callback completed with an external failure (RejectedError), uncaught."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submitter, name=event)
