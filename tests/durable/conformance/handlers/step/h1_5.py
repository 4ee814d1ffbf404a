"""Conformance 1-5: step returning None."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def do_nothing(_step_ctx: StepContext):
    return None


@durable_execution
def handler(event, context: DurableContext):
    return context.step(do_nothing())
