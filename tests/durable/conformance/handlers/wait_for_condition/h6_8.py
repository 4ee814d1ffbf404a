"""Conformance 6-8: wait_for_condition whose check raises; the handler catches it and returns "recovered"."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)


def check(_state, _check_ctx):
    raise RuntimeError("check failed")


def wait_strategy(_state, _attempt):
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.wait_for_condition(
            check,
            config=WaitForConditionConfig(wait_strategy=wait_strategy, initial_state=0),
        )
    except Exception:  # noqa: BLE001
        return "recovered"
