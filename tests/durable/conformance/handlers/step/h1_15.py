"""Conformance 1-15: retry only a specific exception type (TransientError)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryDecision


class TransientError(Exception):
    """A retryable error."""


def retry_on_transient(error: Exception, attempts_made: int) -> RetryDecision:
    if isinstance(error, TransientError) and attempts_made < 3:
        return RetryDecision.retry(Duration.from_seconds(1))
    return RetryDecision.no_retry()


@durable_step
def func(step_ctx: StepContext):
    if step_ctx.attempt == 1:
        raise TransientError("temporary glitch")
    return "recovered"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(func(), config=StepConfig(retry_strategy=retry_on_transient))
