"""Event filtering on event source mappings (``FilterCriteria``), as Lambda applies it.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
A record reaches the function when any of the mapping's filters matches it (up to 5 filters, each
an EventBridge-style pattern). The pattern sees the record as Lambda delivers it, except that an
SQS ``body`` and a Kinesis ``data`` that hold JSON are matched as that JSON, and a Kinesis record's
fields (``partitionKey``, ``data``) are named at the top of the pattern (a plain-string body
matches only a pattern on the string itself). Records that match no filter are dropped: SQS
messages are deleted from the queue, stream records are skipped. Patterns are matched by moto's
EventBridge pattern matcher, the same one its EventBridge rules use.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from moto.events.models import EventPattern

from ...errors import InvalidParameterValueError

__all__ = ["patterns_of", "record_matches", "split_records", "validate_filter_criteria"]


_MAX_FILTERS = 5


def validate_filter_criteria(filter_criteria: Any) -> None:
    """Refuse, in AWS's words, a FilterCriteria whose filters are not JSON patterns (or more than 5)."""
    filters = filter_criteria.get("Filters") if isinstance(filter_criteria, dict) else None
    if filters is None:
        return
    if not isinstance(filters, list) or len(filters) > _MAX_FILTERS:
        raise InvalidParameterValueError(f"Invalid filter pattern definition: FilterCriteria.Filters is a list of "
                                         f"at most {_MAX_FILTERS} filters.")
    for item in filters:
        try:
            pattern = json.loads((item or {}).get("Pattern") or "")
        except (ValueError, AttributeError, TypeError):
            pattern = None
        if not isinstance(pattern, dict):
            raise InvalidParameterValueError(
                f"Invalid filter pattern definition. {item!r}: each filter's Pattern is a JSON object in a "
                'string, e.g. {"Pattern": "{\\"body\\": {\\"type\\": [\\"order\\"]}}"}.')


def patterns_of(filter_criteria: Any) -> list[EventPattern]:
    """The parsed patterns of a FilterCriteria ({"Filters": [{"Pattern": "<json>"}]}); [] when none."""
    filters = (filter_criteria or {}).get("Filters") or [] if isinstance(filter_criteria, dict) else []
    patterns = []
    for item in filters:
        raw = item.get("Pattern") if isinstance(item, dict) else None
        if raw:
            patterns.append(EventPattern(raw, json.loads(raw)))
    return patterns


def _view(record: dict) -> dict:
    """The record as the pattern sees it: a JSON body (SQS) or JSON data (Kinesis) parsed."""
    view = dict(record)
    if isinstance(record.get("body"), str):
        try:
            view["body"] = json.loads(record["body"])
        except ValueError:
            pass
    kinesis = record.get("kinesis")
    if isinstance(kinesis, dict):   # Kinesis patterns name the record's fields (partitionKey, data) at the top
        view.update(kinesis)
        try:
            view["data"] = json.loads(base64.b64decode(kinesis.get("data") or ""))
        except (ValueError, binascii.Error):
            pass
    return view


def record_matches(patterns: list[EventPattern], record: dict) -> bool:
    return not patterns or any(pattern.matches_event(_view(record)) for pattern in patterns)


def split_records(patterns: list[EventPattern], records: list[dict]) -> tuple[list[dict], list[dict]]:
    """(records that match a filter, records that match none)."""
    kept = [r for r in records if record_matches(patterns, r)]
    return kept, [r for r in records if not any(r is k for k in kept)]
