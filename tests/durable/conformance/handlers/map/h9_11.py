"""Conformance 9-11: concurrent map (max-concurrency 2) returns results in item index order."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def item_func(_ctx: DurableContext, _item, index, _items):
    return f"r{index}"


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["i0", "i1", "i2"], item_func, name="concurrent", config=MapConfig(max_concurrency=2)
    )
    return result.get_results()
