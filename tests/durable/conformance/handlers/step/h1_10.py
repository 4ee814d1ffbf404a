"""Conformance 1-10: replay re-throws a failed step."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def func(step_ctx: StepContext):
    step_ctx.logger.info("step executed")
    raise RuntimeError("step failed permanently")


@durable_execution
def handler(event, context: DurableContext):
    caught = None
    try:
        context.step(func(), config=StepConfig(retry_strategy=RetryPresets.none()))
    except Exception as error:  # noqa: BLE001
        caught = str(error)
    context.wait(Duration.from_seconds(1))
    return {"caught": caught}
