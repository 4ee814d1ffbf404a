"""Conformance 9-5: map fail-fast (tolerated-failure-count=0) stops after the first failure."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig


def item_func(_ctx: DurableContext, item, index, _items):
    if index == 1:
        raise RuntimeError(f"item {item} failed")
    return "ok"


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["i0", "i1", "i2"],
        item_func,
        name="failfast",
        config=MapConfig(
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
