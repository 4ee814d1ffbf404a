"""Conformance 6-12: wait_for_condition result (2) passed into a step that multiplies it by 10."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


@durable_execution
def handler(event, context: DurableContext):
    threshold = event

    def wait_strategy(state, _attempt):
        if state < threshold:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    value = context.wait_for_condition(
        lambda state, _check_ctx: state + 1,
        config=WaitForConditionConfig(wait_strategy=wait_strategy, initial_state=0),
    )
    return context.step(lambda _step_ctx: value * 10)
