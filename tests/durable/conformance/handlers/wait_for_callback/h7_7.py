"""Conformance 7-7: wait_for_callback whose submitter always throws; 2 attempts, 1s apart, then fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    Duration,
    JitterStrategy,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import (
    RetryStrategyConfig,
    create_retry_strategy,
)


def submitter(callback_id, _callback_ctx):
    raise RuntimeError("submitter failed")


RETRY = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=2,
        initial_delay=Duration.from_seconds(1),
        max_delay=Duration.from_seconds(1),
        backoff_rate=1,
        jitter_strategy=JitterStrategy.NONE,
    )
)


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(
        submitter,
        name=event,
        config=WaitForCallbackConfig(retry_strategy=RETRY),
    )
