"""Conformance 3-17: child context that only logs (replay logging on), then a wait; child not re-run on replay."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    def child(child_ctx: DurableContext):
        # Replay logging enabled: this logger never suppresses records during replay.
        child_ctx.logger.with_is_replaying(lambda: False).info(f"child context input: {event}")
        return event

    result = context.run_in_child_context(child, name="logging-child")
    context.wait(Duration.from_seconds(1), name="wait")
    return result
