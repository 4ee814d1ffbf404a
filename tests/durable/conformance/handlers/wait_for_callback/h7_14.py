"""Conformance 7-14: wait_for_callback 3-second timeout caught; the handler returns "timed-out-handled"."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.wait_for_callback(
            submitter,
            name=event,
            config=WaitForCallbackConfig(timeout=Duration.from_seconds(3)),
        )
    except Exception:  # noqa: BLE001
        return "timed-out-handled"
