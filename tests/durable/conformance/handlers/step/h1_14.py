"""Conformance 1-14: custom retry config (initial 2s, backoff 3x, no jitter)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

retry_strategy = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=5,
        initial_delay=Duration.from_seconds(2),
        backoff_rate=3,
        jitter_strategy=JitterStrategy.NONE,
    )
)


@durable_step
def func(step_ctx: StepContext):
    # The attempt count survives across invocations in the step checkpoint,
    # so no external store is needed to track it.
    if step_ctx.attempt < 3:
        raise RuntimeError(f"Failure on attempt {step_ctx.attempt}")
    return {"attempts": step_ctx.attempt}


@durable_execution
def handler(event, context: DurableContext):
    return context.step(func(), config=StepConfig(retry_strategy=retry_strategy))
