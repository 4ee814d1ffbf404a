"""Conformance 3-12: the Lambda crashes inside a child's step after StepStarted; replay re-runs the step."""

import os
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    first_invocation = not context.is_replaying()

    def crashing(_step_ctx):
        if first_invocation:
            # Let the asynchronous ContextStarted/StepStarted checkpoints flush, then crash the process.
            time.sleep(3)
            os._exit(1)
        return event

    def child(child_ctx: DurableContext):
        return child_ctx.step(crashing, name="step")

    return context.run_in_child_context(child)
