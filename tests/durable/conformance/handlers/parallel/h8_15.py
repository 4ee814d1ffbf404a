"""Conformance 8-15: parallel with a custom per-branch serde ({"wrapped": v}) round-trips results."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class WrappedSerDes(SerDes):
    """Symmetric per-branch serializer: v <-> {"wrapped": v}."""

    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)["wrapped"]


@durable_execution
def handler(event, context: DurableContext):
    result = context.parallel(
        [lambda _ctx: "x", lambda _ctx: "y"],
        name="serde",
        config=ParallelConfig(max_concurrency=1, item_serdes=WrappedSerDes()),
    )
    return result.get_results()
