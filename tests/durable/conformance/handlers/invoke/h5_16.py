"""Conformance 5-16: invoke with a custom result serdes that uppercases the returned string."""

import json
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

TARGETS = {"TARGET_FUNCTION": ("h5_16_target", True)}


class UppercaseResultSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        # Transform the raw serialized result ('"hello"' -> '"HELLO"') without decoding it.
        return data.upper()


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(
        os.environ["TARGET_FUNCTION"],
        event,
        config=InvokeConfig(serdes_result=UppercaseResultSerDes()),
    )
