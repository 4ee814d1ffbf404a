"""Conformance 9-16: map whose aggregate result exceeds 256KB checkpoints the Map with replay-children."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig

ITEM_SIZE = 70 * 1024  # ~70KB per item; 4 items > 256KB aggregate


def produce_large(_ctx: DurableContext, item, index, _items):
    return f"{item}:" + ("x" * ITEM_SIZE)


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["p0", "p1", "p2", "p3"], produce_large, name="large", config=MapConfig(max_concurrency=1)
    )
    return {"successCount": result.success_count, "totalCount": result.total_count}
