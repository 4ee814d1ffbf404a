"""Conformance 1-18: AtMostOncePerRetry step crashes on attempt 1, succeeds on retry."""

import logging
import os
import sys

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

retry_strategy = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=3,
        initial_delay=Duration.from_seconds(1),
        max_delay=Duration.from_seconds(1),
        backoff_rate=1,
        jitter_strategy=JitterStrategy.NONE,
    )
)


def _flush_and_exit():
    for h in logging.getLogger().handlers:
        try:
            h.flush()
        except Exception:  # noqa: BLE001
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


@durable_execution
def handler(event, context: DurableContext):
    def flaky(step_ctx: StepContext):
        step_ctx.logger.info(f"at_most_once step attempt {step_ctx.attempt} for input: {event}")
        if step_ctx.attempt == 1:
            _flush_and_exit()
        return "succeeded on second attempt"

    return context.step(
        flaky,
        name="at_most_once_flaky_step",
        config=StepConfig(
            retry_strategy=retry_strategy,
            step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
        ),
    )
