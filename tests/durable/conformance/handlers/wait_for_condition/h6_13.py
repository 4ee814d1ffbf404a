"""Conformance 6-13: two sequential wait_for_condition operations; the first result seeds the second."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


def until(target):
    def wait_strategy(state, _attempt):
        if state < target:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    return wait_strategy


@durable_execution
def handler(event, context: DurableContext):
    first = context.wait_for_condition(
        lambda state, _check_ctx: state + 1,
        config=WaitForConditionConfig(wait_strategy=until(2), initial_state=0),
    )
    return context.wait_for_condition(
        lambda state, _check_ctx: state + 1,
        config=WaitForConditionConfig(wait_strategy=until(4), initial_state=first),
    )
