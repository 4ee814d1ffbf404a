"""Conformance 6-9: wait_for_condition threading a {status, attempts} object state until status is DONE."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


def check(state, _check_ctx):
    attempts = state["attempts"] + 1
    return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}


def wait_strategy(state, _attempt):
    if state["status"] == "PENDING":
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    return WaitForConditionDecision.stop_polling()


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_condition(
        check,
        config=WaitForConditionConfig(
            wait_strategy=wait_strategy,
            initial_state={"status": "PENDING", "attempts": 0},
        ),
    )
