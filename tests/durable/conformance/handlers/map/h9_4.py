"""Conformance 9-4: map over an empty items list completes with no iterations."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def identity(_ctx: DurableContext, item, _index, _items):
    return item


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(event, identity, name="empty")
    return result.get_results()
