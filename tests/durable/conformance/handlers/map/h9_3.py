"""Conformance 9-3: map function receives item and index, returns item + index."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def add_index(_ctx: DurableContext, item, index, _items):
    return item + index


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(event, add_index, name="indexed", config=MapConfig(max_concurrency=1))
    return result.get_results()
