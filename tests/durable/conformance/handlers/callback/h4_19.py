"""Conformance 4-19: two callbacks, create A and B, then wait for B first, then for A."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback_a = context.create_callback(name=event[0])
    callback_b = context.create_callback(name=event[1])
    result_b = callback_b.result()
    result_a = callback_a.result()
    return [result_a, result_b]
