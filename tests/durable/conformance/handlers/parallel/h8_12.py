"""Conformance 8-12: parallel with FLAT nesting checkpoints branch steps directly under the Parallel context."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import NestingType, ParallelConfig


def branch0(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "fa", name="flat-step-0")


def branch1(ctx: DurableContext):
    return ctx.step(lambda _step_ctx: "fb", name="flat-step-1")


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [branch0, branch1],
        name="flat",
        config=ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT),
    )
    return result.get_results()
