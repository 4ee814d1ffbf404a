"""Conformance 1-17: AtMostOncePerRetry step interrupted by a crash, no retry."""

import logging
import os
import sys

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryPresets


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
        step_ctx.logger.info(f"at_most_once_flaky_step running for input: {event}")
        _flush_and_exit()

    return context.step(
        flaky,
        name="at_most_once_flaky_step",
        config=StepConfig(
            retry_strategy=RetryPresets.none(),
            step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
        ),
    )
