"""Conformance 8-4: parallel whose branches return a string, a number and an object."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [lambda _ctx: "hello", lambda _ctx: 42, lambda _ctx: {"k": "v"}],
        name="hetero",
        config=ParallelConfig(max_concurrency=1),
    )
    return result.get_results()
