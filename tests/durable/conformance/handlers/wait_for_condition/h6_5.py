"""Conformance 6-5: wait_for_condition with a fixed 2-second delay strategy (no jitter, no backoff)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitStrategyConfig,
    create_wait_strategy,
)


@durable_execution
def handler(event, context: DurableContext):
    threshold = event
    strategy = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda state: state < threshold,
            initial_delay=Duration.from_seconds(2),
            max_delay=Duration.from_seconds(2),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.wait_for_condition(
        lambda state, _check_ctx: state + 1,
        config=WaitForConditionConfig(wait_strategy=strategy, initial_state=0),
    )
