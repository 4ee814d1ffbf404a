"""Conformance 5-10: durable target that always fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    raise RuntimeError("target function failed")
