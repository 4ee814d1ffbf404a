"""Conformance 8-5: parallel with an empty branches list completes immediately."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel([], name="empty")
    return result.get_results()
