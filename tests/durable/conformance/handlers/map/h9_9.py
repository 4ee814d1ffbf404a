"""Conformance 9-9: map stops early once failures exceed tolerated-failure-count=1."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig


def item_func(_ctx: DurableContext, item, index, _items):
    if index in (0, 1):
        raise RuntimeError(f"item {item} failed")
    return "ok"


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["i0", "i1", "i2"],
        item_func,
        name="tolerated-exceeded",
        config=MapConfig(
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
