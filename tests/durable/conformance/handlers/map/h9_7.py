"""Conformance 9-7: map min-successful=2 completes early without starting items 2 and 3."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig


def item_func(_ctx: DurableContext, _item, _index, _items):
    return "done"


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["i0", "i1", "i2", "i3"],
        item_func,
        name="min-successful",
        config=MapConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(min_successful=2),
        ),
    )
    return {
        "completionReason": result.completion_reason.value,
        "successCount": result.success_count,
        "totalCount": result.total_count,
    }
