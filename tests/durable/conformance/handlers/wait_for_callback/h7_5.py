"""Conformance 7-5: wait_for_callback with a 3-second timeout that is never completed (uncaught timeout)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(
        submitter,
        name=event,
        config=WaitForCallbackConfig(timeout=Duration.from_seconds(3)),
    )
