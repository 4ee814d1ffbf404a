"""Conformance 1-11: step with retry (fails on attempt 1, succeeds on attempt 2)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
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


@durable_step
def unreliable_func(step_ctx: StepContext):
    if step_ctx.attempt < 2:
        raise RuntimeError(f"Transient failure on attempt {step_ctx.attempt}")
    return "Operation succeeded"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(unreliable_func(), config=StepConfig(retry_strategy=retry_strategy))
