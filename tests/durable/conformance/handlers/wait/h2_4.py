"""Conformance 2-4: wait with minutes as the unit (60 seconds)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_minutes(1))
    return "waited"
