"""Conformance 5-8: invoke a target with a tenantId (tenant-isolated invocation)."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig

TARGETS = {"TARGET_FUNCTION": ("h5_8_target", True)}


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(
        os.environ["TARGET_FUNCTION"],
        event["payload"],
        config=InvokeConfig(tenant_id=event["tenantId"]),
    )
