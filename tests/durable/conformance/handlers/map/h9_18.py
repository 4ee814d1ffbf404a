"""Conformance 9-18: wait after a map that recorded a tolerated failure; replay skips the map."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, Duration, MapConfig


def item_func(_ctx: DurableContext, item, _index, _items):
    if item == "fail":
        raise RuntimeError("item fail failed")
    return item


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["ok", "fail"],
        item_func,
        name="fail-then-wait",
        config=MapConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(tolerated_failure_count=1),
        ),
    )
    context.wait(Duration.from_seconds(1), name="after-map")
    return {
        "completionReason": result.completion_reason.value,
        "status": result.status.value,
        "successCount": result.success_count,
        "failureCount": result.failure_count,
        "totalCount": result.total_count,
    }
