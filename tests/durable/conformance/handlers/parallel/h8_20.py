"""Conformance 8-20: parallel BatchResult accessors (succeeded/failed/get_errors/has_failure)."""

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
        name="accessors",
        config=ParallelConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(tolerated_failure_count=1),
        ),
    )
    return {
        "hasFailure": result.has_failure,
        "successCount": len(result.succeeded()),
        "failureCount": len(result.failed()),
        "errorCount": len(result.get_errors()),
    }
