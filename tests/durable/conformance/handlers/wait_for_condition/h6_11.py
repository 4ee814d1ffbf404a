"""Conformance 6-11: wait_for_condition with a custom state serdes (string state round-tripped across suspension)."""

import base64

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


class Base64StringSerDes(SerDes[str]):
    """Encodes the string state as "b64:<base64>" and decodes it back."""

    def serialize(self, value: str, _: SerDesContext) -> str:
        return "b64:" + base64.b64encode(value.encode("utf-8")).decode("ascii")

    def deserialize(self, data: str, _: SerDesContext) -> str:
        if not data.startswith("b64:"):
            raise ValueError(f"unexpected encoded state: {data!r}")
        return base64.b64decode(data[4:]).decode("utf-8")


def wait_strategy(state, _attempt):
    if len(state) < 2:
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    return WaitForConditionDecision.stop_polling()


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_condition(
        lambda state, _check_ctx: state + "x",
        config=WaitForConditionConfig(
            wait_strategy=wait_strategy,
            initial_state="",
            serdes=Base64StringSerDes(),
        ),
    )
