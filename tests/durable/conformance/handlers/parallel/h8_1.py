"""Conformance 8-1: parallel basic, two branches each a single step, max-concurrency 1."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


def branch0(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "task-1", name="task-1")


def branch1(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "task-2", name="task-2")


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [branch0, branch1], name="parallel", config=ParallelConfig(max_concurrency=1)
    )
    return result.get_results()
