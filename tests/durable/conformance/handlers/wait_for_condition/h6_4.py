"""Conformance 6-4: wait_for_condition with initial state 5, threaded across polls up to the input threshold."""

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

    return context.wait_for_condition(
        lambda state, _check_ctx: state + 1,
        config=WaitForConditionConfig(wait_strategy=wait_strategy, initial_state=5),
    )
