"""Conformance 6-2: wait_for_condition whose condition is already met on the first check."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


def wait_strategy(state, _attempt):
    if state >= 5:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_condition(
        lambda state, _check_ctx: state,
        config=WaitForConditionConfig(wait_strategy=wait_strategy, initial_state=5),
    )
