"""Conformance 3-11: child context result >256KB triggers ReplayChildren; replay re-executes the child."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

LARGE_SIZE = 300 * 1024


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        # Replay logging enabled: this logger never suppresses records during replay.
        child_ctx.logger.with_is_replaying(lambda: False).info(f"child context input: {event}")
        small = child_ctx.step(lambda _step_ctx: event, name="small-step")
        return {"value": small, "padding": "x" * LARGE_SIZE}

    large = context.run_in_child_context(child, name="large-child")
    context.wait(Duration.from_seconds(1), name="wait")
    return {"value": large["value"], "size": len(large["padding"])}
