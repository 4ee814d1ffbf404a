"""Conformance 5-9: durable echo target, returns its input unchanged."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return event
