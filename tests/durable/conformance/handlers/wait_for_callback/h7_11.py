"""Conformance 7-11: wait_for_callback deserializing a JSON object payload; returns its "status" field."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import WaitForCallbackConfig
from aws_durable_execution_sdk_python.serdes import JsonSerDes


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    result = context.wait_for_callback(
        submitter,
        name=event,
        config=WaitForCallbackConfig(serdes=JsonSerDes()),
    )
    return result["status"]
