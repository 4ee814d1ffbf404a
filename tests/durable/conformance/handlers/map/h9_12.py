"""Conformance 9-12: map with FLAT nesting checkpoints item steps directly under the Map context."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig, NestingType


def item_func(ctx: DurableContext, item, index, _items):
    return ctx.step(lambda _step_ctx: item, name=f"flat-step-{index}")


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["fa", "fb"],
        item_func,
        name="flat",
        config=MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT),
    )
    return result.get_results()
