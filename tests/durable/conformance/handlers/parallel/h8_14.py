"""Conformance 8-14: a 2s wait in parallel branch 1 suspends; replay skips the succeeded branch 0."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, ParallelConfig


def branch0(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "b0", name="b0-step")


def branch1(ctx: DurableContext):
    ctx.wait(Duration.from_seconds(2), name="branch-wait")
    return "b1"


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [branch0, branch1], name="replay", config=ParallelConfig(max_concurrency=1)
    )
    return result.get_results()
