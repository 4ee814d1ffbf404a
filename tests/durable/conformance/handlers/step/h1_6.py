"""Conformance 1-6: step with a custom per-step serdes that uppercases strings."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


def _upper(value):
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        return [_upper(v) for v in value]
    if isinstance(value, dict):
        return {k: _upper(v) for k, v in value.items()}
    return value


class UppercaseSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(_upper(value))

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


uppercase_serdes = UppercaseSerDes()


@durable_step
def return_input(_step_ctx: StepContext, value):
    return value


@durable_execution
def handler(event, context: DurableContext):
    return context.step(return_input(event), config=StepConfig(serdes=uppercase_serdes))
