"""Conformance 6-6: wait_for_condition never satisfied; fixed-delay strategy exhausts 3 attempts and fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitStrategyConfig,
    create_wait_strategy,
)

STRATEGY = create_wait_strategy(
    WaitStrategyConfig(
        should_continue_polling=lambda _state: True,
        max_attempts=3,
        initial_delay=Duration.from_seconds(1),
        max_delay=Duration.from_seconds(1),
        backoff_rate=1,
        jitter_strategy=JitterStrategy.NONE,
    )
)


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_condition(
        lambda state, _check_ctx: state + 1,
        config=WaitForConditionConfig(wait_strategy=STRATEGY, initial_state=0),
    )
