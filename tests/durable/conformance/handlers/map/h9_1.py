"""Conformance 9-1: map basic, one step per item, max-concurrency 1."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def greet(ctx: DurableContext, item, index, items):
    return ctx.step(lambda _step_ctx: f"Hello, {item}!", name=f"greet-{index}")


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(event, greet, name="map", config=MapConfig(max_concurrency=1))
    return result.get_results()
