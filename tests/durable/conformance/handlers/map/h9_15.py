"""Conformance 9-15: a wait inside map iteration 1 suspends the execution mid-map; replay resumes it."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, MapConfig


def item_func(ctx: DurableContext, item, index, _items):
    if index == 1:
        ctx.wait(Duration.from_seconds(1), name="iteration-wait")
    return ctx.step(lambda _step_ctx: item, name=f"produce-{index}")


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(["r0", "r1"], item_func, name="suspend", config=MapConfig(max_concurrency=1))
    return result.get_results()
