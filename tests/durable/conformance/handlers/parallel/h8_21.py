"""Conformance 8-21: nested parallel (inner parallel of two steps inside an outer parallel branch)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


def inner0(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "i1", name="i1")


def inner1(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "i2", name="i2")


def branch_a(ctx: DurableContext):
    inner = ctx.parallel([inner0, inner1], name="inner", config=ParallelConfig(max_concurrency=1))
    return inner.get_results()


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel([branch_a], name="outer", config=ParallelConfig(max_concurrency=1))
    return result.get_results()
