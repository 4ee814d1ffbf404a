"""Conformance 8-6: parallel fail-fast (tolerated-failure-count=0) stops after the first failure."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig


def ok(_ctx: DurableContext):
    return "ok"


def fail(_ctx: DurableContext):
    raise RuntimeError("branch 1 failed")


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [ok, fail, ok],
        name="failfast",
        config=ParallelConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(tolerated_failure_count=0),
        ),
    )
    return {
        "completionReason": result.completion_reason.value,
        "status": result.status.value,
        "successCount": result.success_count,
        "failureCount": result.failure_count,
        "totalCount": result.total_count,
    }
