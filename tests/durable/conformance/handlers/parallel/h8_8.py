"""Conformance 8-8: parallel min-successful=2 completes early without starting branches 2 and 3."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [lambda _ctx: "b0", lambda _ctx: "b1", lambda _ctx: "b2", lambda _ctx: "b3"],
        name="min-successful",
        config=ParallelConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(min_successful=2),
        ),
    )
    return {
        "completionReason": result.completion_reason.value,
        "successCount": result.success_count,
        "totalCount": result.total_count,
    }
