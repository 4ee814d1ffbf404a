"""Conformance 3-7: step in a child context fails on attempt 1, retries and succeeds on attempt 2."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

RETRY = create_retry_strategy(
    RetryStrategyConfig(max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
)


@durable_execution
def handler(event, context: DurableContext):
    def flaky(step_ctx):
        if step_ctx.attempt < 2:
            raise RuntimeError(f"attempt {step_ctx.attempt} fails")
        return event

    def child(child_ctx: DurableContext):
        return child_ctx.step(flaky, name="flaky-step", config=StepConfig(retry_strategy=RETRY))

    return context.run_in_child_context(child, name="child")
