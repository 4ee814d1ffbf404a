"""Conformance 3-8: step in a child context always fails; retries exhausted (maxAttempts=2), child fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

RETRY = create_retry_strategy(
    RetryStrategyConfig(max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
)


def always_fail(step_ctx):
    raise RuntimeError(f"attempt {step_ctx.attempt} fails")


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.step(always_fail, name="failing-step", config=StepConfig(retry_strategy=RETRY))

    return context.run_in_child_context(child, name="child")
