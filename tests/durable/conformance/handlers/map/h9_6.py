"""Conformance 9-6: map batch result rethrows the first item failure, so the execution fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig


def item_func(_ctx: DurableContext, item, index, _items):
    if index == 0:
        raise RuntimeError(f"item {item} failed")
    return "ok"


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["i0", "i1"],
        item_func,
        name="throwing",
        config=MapConfig(
            max_concurrency=1,
            completion_config=CompletionConfig(tolerated_failure_count=0),
        ),
    )
    result.throw_if_error()
    return result.get_results()
