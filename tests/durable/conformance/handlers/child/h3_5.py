"""Conformance 3-5: child context failure caught by the parent; a recovery step returns the input."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.exceptions import ChildContextError
from aws_durable_execution_sdk_python.retries import RetryPresets


def fail(_step_ctx):
    raise RuntimeError("step failed inside child context")


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        return child_ctx.step(fail, name="failing-step", config=StepConfig(retry_strategy=RetryPresets.none()))

    try:
        context.run_in_child_context(child)
    except ChildContextError:
        pass
    return context.step(lambda _step_ctx: event, name="recovery")
