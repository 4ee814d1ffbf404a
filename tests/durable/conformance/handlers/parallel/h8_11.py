"""Conformance 8-11: concurrent parallel (max-concurrency 2) returns results in branch index order."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [lambda _ctx: "r0", lambda _ctx: "r1", lambda _ctx: "r2"],
        name="concurrent",
        config=ParallelConfig(max_concurrency=2),
    )
    return result.get_results()
