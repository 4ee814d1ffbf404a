"""Conformance 7-8: wait_for_callback inside a child context named "wrapper"."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submitter(callback_id, _callback_ctx):
    return None


@durable_execution
def handler(event, context: DurableContext):
    def wrapper(child: DurableContext):
        return child.wait_for_callback(submitter, name=event)

    return context.run_in_child_context(wrapper, name="wrapper")
