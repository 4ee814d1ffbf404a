"""Conformance 1-12: retry exhaustion after 4 attempts (1 initial + 3 retries)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

retry_strategy = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=4,
        initial_delay=Duration.from_seconds(1),
        max_delay=Duration.from_seconds(1),
        backoff_rate=1,
        jitter_strategy=JitterStrategy.NONE,
    )
)


@durable_step
def always_fail(step_ctx: StepContext):
    raise RuntimeError(f"Always fails (attempt {step_ctx.attempt})")


@durable_execution
def handler(event, context: DurableContext):
    return context.step(always_fail(), config=StepConfig(retry_strategy=retry_strategy))
