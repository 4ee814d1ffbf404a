"""Conformance 4-15: callback with custom serdes parsing JSON into a typed object with a timestamp."""

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


@dataclass
class Received:
    id: str
    message: str
    timestamp: datetime


class ReceivedSerDes(SerDes[Received]):
    def serialize(self, value: Received, _: SerDesContext) -> str:
        data = asdict(value)
        data["timestamp"] = value.timestamp.isoformat().replace("+00:00", "Z")
        return json.dumps(data)

    def deserialize(self, data: str, _: SerDesContext) -> Received:
        raw = json.loads(data)
        stamp = raw["timestamp"].replace("Z", "+00:00")
        ts = datetime.fromisoformat(stamp)
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=timezone.utc)
        return Received(id=raw["id"], message=raw["message"], timestamp=ts)


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(
        name=event, config=CallbackConfig(serdes=ReceivedSerDes())
    )
    received = callback.result()
    return {
        "received": {
            "id": received.id,
            "message": received.message,
            "timestamp": int(received.timestamp.timestamp()),
        }
    }
