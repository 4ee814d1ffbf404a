"""Conformance 4-17: two callbacks, sequential create-and-wait (A then B)."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback_a = context.create_callback(name=event[0])
    result_a = callback_a.result()
    callback_b = context.create_callback(name=event[1])
    result_b = callback_b.result()
    return [result_a, result_b]
