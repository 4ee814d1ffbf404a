"""Conformance 7-10: 1-second wait, a top-level step returning fixed data, then wait_for_callback."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(1))
    context.step(lambda _step_ctx: {"data": "fixed"})
    return context.wait_for_callback(submitter, name=event)
