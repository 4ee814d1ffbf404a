"""Conformance 5-7: durable target that receives the large payload and returns its size."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return {"receivedLength": len(event["data"])}
