"""Conformance 4-16: callback with custom serdes converting the payload into a number."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class NumberSerDes(SerDes[int]):
    def serialize(self, value: int, _: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, _: SerDesContext) -> int:
        value = json.loads(data)
        return int(value)


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name=event, config=CallbackConfig(serdes=NumberSerDes())
    )
    count = callback.result()
    return {"count": count, "doubled": count * 2}
