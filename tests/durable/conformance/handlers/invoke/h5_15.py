"""Conformance 5-15: invoke with a custom payload serdes that uppercases the outgoing string."""

import json
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

TARGETS = {"TARGET_FUNCTION": ("h5_15_target", True)}


class UppercasePayloadSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        # Transform the serialized payload ('"hello"' -> '"HELLO"').
        return json.dumps(value).upper()

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(
        os.environ["TARGET_FUNCTION"],
        event["data"],
        config=InvokeConfig(serdes_payload=UppercasePayloadSerDes()),
    )
