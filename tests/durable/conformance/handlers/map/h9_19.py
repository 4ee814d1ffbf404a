"""Conformance 9-19: map with an operation-level (whole-result) serdes emitting "OPSERDE:X,Y"."""

from aws_durable_execution_sdk_python import (
    BatchItemStatus,
    BatchResult,
    DurableContext,
    durable_execution,
)
from aws_durable_execution_sdk_python.concurrency.models import BatchItem, CompletionReason
from aws_durable_execution_sdk_python.config import MapConfig
from aws_durable_execution_sdk_python.serdes import ExtendedTypeSerDes, SerDes, SerDesContext

_PREFIX = "OPSERDE:"


class OpSerDes(SerDes):
    """Whole-result serializer: BatchResult <-> "OPSERDE:<comma-joined results>"."""

    def serialize(self, value: BatchResult, serdes_context: SerDesContext) -> str:
        return _PREFIX + ",".join(str(r) for r in value.get_results())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> BatchResult:
        if not data.startswith(_PREFIX):
            raise ValueError(f"not an OPSERDE payload: {data!r}")
        body = data[len(_PREFIX):]
        values = body.split(",") if body else []
        items = [
            BatchItem(index=i, status=BatchItemStatus.SUCCEEDED, result=v)
            for i, v in enumerate(values)
        ]
        return BatchResult(items, CompletionReason.ALL_COMPLETED)


def upper(_ctx: DurableContext, item, _index, _items):
    return item.upper()


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(
        ["x", "y"],
        upper,
        name="op-serde",
        config=MapConfig(
            max_concurrency=1,
            serdes=OpSerDes(),
            # keep the default per-item serializer (serdes alone would also apply per item)
            item_serdes=ExtendedTypeSerDes(),
        ),
    )
    return result.get_results()
