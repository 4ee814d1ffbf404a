"""Conformance 7-6: wait_for_callback external failure caught by the handler, which returns "recovered"."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.wait_for_callback(submitter, name=event)
    except Exception:  # noqa: BLE001
        return "recovered"
