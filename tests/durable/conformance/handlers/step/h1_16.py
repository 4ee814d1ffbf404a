"""Conformance 1-16: retry strategy that does not retry TransientError (fails permanently)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryDecision


class TransientError(Exception):
    """An error the strategy refuses to retry."""


def no_retry_on_transient_error(error: Exception, attempts_made: int) -> RetryDecision:
    if isinstance(error, TransientError):
        return RetryDecision.no_retry()
    if attempts_made < 3:
        return RetryDecision.retry(Duration.from_seconds(1))
    return RetryDecision.no_retry()


@durable_step
def func(_step_ctx: StepContext):
    raise TransientError("transient failure that must not be retried")


@durable_execution
def handler(event, context: DurableContext):
    return context.step(func(), config=StepConfig(retry_strategy=no_retry_on_transient_error))
