"""Conformance 1-7: step with context logger."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def greet(step_ctx: StepContext, name):
    step_ctx.logger.info(f"Greeting step started for: {name}")
    greeting = f"Hello, {name}!"
    step_ctx.logger.info(f"Greeting step completed with: {greeting}")
    return greeting


@durable_execution
def handler(event, context: DurableContext):
    return context.step(greet(event))
