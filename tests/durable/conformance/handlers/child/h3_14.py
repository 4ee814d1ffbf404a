"""Conformance 3-14: child context with a custom serdes that uppercases the result on serialization."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ChildConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class UpperCaseSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return str(value).upper()

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return data


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.step(lambda _step_ctx: event, name="step")

    return context.run_in_child_context(child, name="child", config=ChildConfig(serdes=UpperCaseSerDes()))
