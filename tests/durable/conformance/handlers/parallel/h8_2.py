"""Conformance 8-2: parallel branches-only form (no name), branches return constants directly."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [lambda _ctx: "alpha", lambda _ctx: "beta"],
        config=ParallelConfig(max_concurrency=1),
    )
    return result.get_results()
