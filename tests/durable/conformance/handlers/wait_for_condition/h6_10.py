"""Conformance 6-10: wait_for_condition whose check returns null; stops on the first attempt."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_condition(
        lambda _state, _check_ctx: None,
        config=WaitForConditionConfig(
            wait_strategy=lambda _state, _attempt: WaitForConditionDecision.stop_polling(),
            initial_state=None,
        ),
    )
