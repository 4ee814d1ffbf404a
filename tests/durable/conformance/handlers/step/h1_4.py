"""Conformance 1-4: step returning a complex nested object."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def build_response(_step_ctx: StepContext, event):
    tags = list(event["tags"])
    return {"user": {"name": event["name"], "tags": tags}, "count": len(tags)}


@durable_execution
def handler(event, context: DurableContext):
    return context.step(build_response(event))
