"""Conformance 8-19: parallel with max-concurrency 0 raises a validation error; the execution fails."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    # ParallelConfig rejects max_concurrency < 1 with a ValidationError before any checkpoint.
    result = context.parallel(
        [lambda _ctx: "a", lambda _ctx: "b"],
        name="bad-concurrency",
        config=ParallelConfig(max_concurrency=0),
    )
    return result.get_results()
