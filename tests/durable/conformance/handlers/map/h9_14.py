"""Conformance 9-14: map with a custom per-item serdes ("wrapped:<value>") round-trips results."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

_PREFIX = "wrapped:"


class WrappedSerDes(SerDes):
    """Non-identity per-item serializer: "X" <-> "wrapped:X"."""

    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return _PREFIX + str(value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        if not data.startswith(_PREFIX):
            raise ValueError(f"not a wrapped payload: {data!r}")
        return data[len(_PREFIX):]


def upper(_ctx: DurableContext, item, _index, _items):
    return item.upper()


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["x", "y"],
        upper,
        name="serdes",
        config=MapConfig(max_concurrency=1, item_serdes=WrappedSerDes()),
    )
    return result.get_results()
