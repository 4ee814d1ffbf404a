"""Conformance 9-17: wait after a successful map suspends; replay skips the completed map."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, MapConfig


def upper(_ctx: DurableContext, item, _index, _items):
    return item.upper()


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(["a", "b"], upper, name="then-wait", config=MapConfig(max_concurrency=1))
    context.wait(Duration.from_seconds(1), name="after-map")
    return result.get_results()
