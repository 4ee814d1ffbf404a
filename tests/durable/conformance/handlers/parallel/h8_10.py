"""Conformance 8-10: parallel stops early once failures exceed tolerated-failure-count=1."""

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
        [_fail(0), _fail(1), _ok(2)],
        name="tolerated-exceeded",
        config=ParallelConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(tolerated_failure_count=1),
        ),
    )
    return {
        "completionReason": result.completion_reason.value,
        "successCount": result.success_count,
        "failureCount": result.failure_count,
        "totalCount": result.total_count,
    }
