"""Conformance 7-9: two sequential wait_for_callback operations "first" and "second"; returns the second."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    context.wait_for_callback(submitter, name="first")
    return context.wait_for_callback(submitter, name="second")
