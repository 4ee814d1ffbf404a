"""Conformance 2-5: wait with a long duration (1 hour = 3600 seconds)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

EXECUTION_TIMEOUT = 7200


@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_hours(1))
    return "waited"
