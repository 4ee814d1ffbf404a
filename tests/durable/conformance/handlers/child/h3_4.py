"""Conformance 3-4: step inside a child context fails without retry; execution fails with ChildContextError."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


def fail(_step_ctx):
    raise RuntimeError("step failed inside child context")


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.step(fail, name="failing-step", config=StepConfig(retry_strategy=RetryPresets.none()))

    return context.run_in_child_context(child, name="child")
