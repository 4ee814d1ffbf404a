"""Amazon DynamoDB stream records, as Lambda's event source mapping delivers them.

Mirrors https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html and
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html
"""

from __future__ import annotations

import base64
import math
import random
from collections.abc import Mapping, Sequence, Set
from decimal import Decimal
from typing import Any

from ..errors import LambdaLabError
from ._common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Ids, iso_ms_no_zone, resolve_now, resolve_rng

__all__ = ["dynamodb_stream", "to_dynamodb_json"]

VIEW_TYPES = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")


def dynamodb_stream(
    records: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    table: str = "my-table",
    key: str | Sequence[str] = "id",
    view_type: str = "NEW_AND_OLD_IMAGES",
    stream_label: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A batch of stream records; each record is ``{"new": item}``, ``{"old": item, "new": item}``
    or ``{"old": item}`` with items as plain Python dicts.

    >>> event = dynamodb_stream([{"new": {"id": "o-1", "total": 5}}], table="orders", now=0, seed=1)
    >>> record = event["Records"][0]
    >>> record["eventName"], record["dynamodb"]["Keys"], record["dynamodb"]["NewImage"]["total"]
    ('INSERT', {'id': {'S': 'o-1'}}, {'N': '5'})

    The event name follows from the images: new only is INSERT, both is MODIFY, old only is
    REMOVE. ``key`` names the table's key attributes (``("pk", "sk")`` for a composite key);
    ``view_type`` drops the images the stream does not carry, as AWS does.
    See https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
    """
    if isinstance(records, Mapping):
        records = [records]
    if not records:
        raise LambdaLabError("a stream batch holds at least one record, e.g. [{\"new\": {\"id\": \"1\"}}]")
    if view_type not in VIEW_TYPES:
        raise LambdaLabError(f"view_type is one of {', '.join(VIEW_TYPES)} (got {view_type!r})")
    key_names = [key] if isinstance(key, str) else list(key)
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "dynamodb"))
    if stream_label is None:
        # The label is when the stream was enabled: some days before these changes.
        stream_label = iso_ms_no_zone(moment - ids.rng.uniform(86_400, 30 * 86_400))
    stream_arn = f"arn:aws:dynamodb:{region}:{account_id}:table/{table}/stream/{stream_label}"
    sequence = ids.rng.randrange(10**20, 9 * 10**20)
    built = []
    for record in records:
        name, old, new = _change(record)
        item = new if new is not None else old
        missing = [k for k in key_names if k not in item]  # type: ignore[operator]
        if missing:
            raise LambdaLabError(
                f"the item has no key attribute {missing[0]!r}: pass key=... with the table's key names "
                f"(this item has {sorted(item)})"  # type: ignore[arg-type]
            )
        change: dict[str, Any] = {
            "ApproximateCreationDateTime": int(moment),
            "Keys": _to_item({k: item[k] for k in key_names}),  # type: ignore[index]
        }
        if new is not None and view_type in ("NEW_AND_OLD_IMAGES", "NEW_IMAGE"):
            change["NewImage"] = _to_item(new)
        if old is not None and view_type in ("NEW_AND_OLD_IMAGES", "OLD_IMAGE"):
            change["OldImage"] = _to_item(old)
        sequence += ids.rng.randint(100, 100_000)
        change["SequenceNumber"] = str(sequence)
        # AWS counts the bytes of the keys and of the images the record carries.
        change["SizeBytes"] = sum(
            _item_size(change[part]) for part in ("Keys", "NewImage", "OldImage") if part in change
        )
        change["StreamViewType"] = view_type
        built.append({
            "eventID": ids.hex(32),
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": change,
            "eventSourceARN": stream_arn,
        })
    return {"Records": built}


def to_dynamodb_json(value: Any) -> dict[str, Any]:
    """One Python value in DynamoDB's typed JSON, as stream records and the low-level API carry it.

    >>> to_dynamodb_json({"name": "Ada", "age": 36, "tags": ["a"], "vip": True, "note": None})
    {'M': {'name': {'S': 'Ada'}, 'age': {'N': '36'}, 'tags': {'L': [{'S': 'a'}]}, 'vip': {'BOOL': True}, 'note': {'NULL': True}}}

    Numbers become strings (``{"N": "36"}``), bytes become base64 (``{"B": ...}``), sets become
    ``SS``/``NS``/``BS``. See
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
    """
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {"M": _to_item(value)}
    if isinstance(value, Set):
        return _to_set(value)
    if isinstance(value, (list, tuple)):
        return {"L": [to_dynamodb_json(v) for v in value]}
    raise LambdaLabError(f"DynamoDB cannot store a {type(value).__name__}: use str, number, bytes, bool, None, dict, list or set")


def _change(record: Mapping[str, Any]) -> tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]:
    unknown = set(record) - {"old", "new"}
    if unknown or not record:
        raise LambdaLabError(
            "each stream record is {\"new\": item} (INSERT), {\"old\": item, \"new\": item} (MODIFY) "
            f"or {{\"old\": item}} (REMOVE); got keys {sorted(record)}"
        )
    old, new = record.get("old"), record.get("new")
    name = "MODIFY" if (old is not None and new is not None) else ("INSERT" if new is not None else "REMOVE")
    return name, old, new


def _to_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {str(name): to_dynamodb_json(value) for name, value in item.items()}


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise LambdaLabError("DynamoDB numbers are finite: NaN and infinity cannot be stored")
    if isinstance(value, int):
        return str(value)
    # repr() keeps a float's shortest exact digits; 'f' avoids the 1e+20 form.
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite():
        raise LambdaLabError("DynamoDB numbers are finite: NaN and infinity cannot be stored")
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _to_set(values: Set[Any]) -> dict[str, list[str]]:
    if not values:
        raise LambdaLabError("DynamoDB has no empty sets: leave the attribute out instead")
    if all(isinstance(v, str) for v in values):
        return {"SS": sorted(values)}
    if all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values):
        return {"NS": [_number(v) for v in sorted(values)]}
    if all(isinstance(v, (bytes, bytearray)) for v in values):
        return {"BS": [base64.b64encode(bytes(v)).decode("ascii") for v in sorted(values)]}
    raise LambdaLabError("a DynamoDB set holds only strings, only numbers or only bytes")


def _item_size(item: Mapping[str, Any]) -> int:
    # DynamoDB's item-size rules: attribute name bytes plus value bytes.
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(typed: Mapping[str, Any]) -> int:
    (kind, value), = typed.items()
    if kind == "S":
        return len(value.encode())
    if kind == "N":
        return _number_size(value)
    if kind == "B":
        return len(base64.b64decode(value))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in value)
    if kind == "NS":
        return sum(_number_size(v) for v in value)
    if kind == "BS":
        return sum(len(base64.b64decode(v)) for v in value)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in value.items())
    return 3 + sum(_value_size(v) + 1 for v in value)  # "L"


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1
