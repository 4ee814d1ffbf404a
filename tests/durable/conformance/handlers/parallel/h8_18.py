"""Conformance 8-18: parallel min-successful=3 + tolerated-failure-count=1; tolerance exceeded first."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig


def _ok(index):
    def branch(_ctx: DurableContext):
        return f"ok-{index}"

    return branch


def _fail(index):
    def branch(_ctx: DurableContext):
        raise RuntimeError(f"branch {index} failed")

    return branch


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [_fail(0), _fail(1), _ok(2), _ok(3)],
        name="combined",
        config=ParallelConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(min_successful=3, tolerated_failure_count=1),
        ),
    )
    return {
        "completionReason": result.completion_reason.value,
        "successCount": result.success_count,
        "failureCount": result.failure_count,
        "totalCount": result.total_count,
    }
