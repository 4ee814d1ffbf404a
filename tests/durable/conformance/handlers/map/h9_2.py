"""Conformance 9-2: map items-only form (no name), each item doubled directly."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        event,
        lambda _ctx, item, _index, _items: item * 2,
        config=MapConfig(max_concurrency=1),
    )
    return result.get_results()
