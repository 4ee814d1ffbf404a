"""Conformance 9-13: map with a custom item namer ("item-<item>") returns index-ordered results."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def times_ten(_ctx: DurableContext, item, _index, _items):
    return item * 10


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        event,
        times_ten,
        name="named-items",
        config=MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}"),
    )
    return result.get_results()
