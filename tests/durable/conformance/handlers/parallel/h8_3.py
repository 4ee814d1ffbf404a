"""Conformance 8-3: parallel with named branch objects ("first", "second")."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelBranch, ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [
            ParallelBranch(func=lambda _ctx: "one", name="first"),
            ParallelBranch(func=lambda _ctx: "two", name="second"),
        ],
        name="named",
        config=ParallelConfig(max_concurrency=1),
    )
    return result.get_results()
