"""Conformance 8-7: parallel batch result rethrows the first branch failure, so the execution fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig


def fail(_ctx: DurableContext):
    raise RuntimeError("branch 0 failed")


def ok(_ctx: DurableContext):
    return "ok"


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [fail, ok],
        name="throwing",
        config=ParallelConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(tolerated_failure_count=0),
        ),
    )
    result.throw_if_error()
    return result.get_results()
