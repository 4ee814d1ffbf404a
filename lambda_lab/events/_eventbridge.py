"""Amazon EventBridge events and scheduled events, as a rule delivers them to a function.

Mirrors https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html and
https://docs.aws.amazon.com/lambda/latest/dg/services-cloudwatchevents.html
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from typing import Any

from ._common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Ids, iso_seconds, resolve_now, resolve_rng

__all__ = ["eventbridge", "schedule"]


def eventbridge(
    detail: Mapping[str, Any] | None = None,
    *,
    source: str = "my.app",
    detail_type: str = "Order Placed",
    resources: Sequence[str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """An event a rule matched and sent to the function.

    >>> event = eventbridge({"orderId": "o-1"}, source="shop.orders", now=0, seed=1)
    >>> event["detail-type"], event["detail"], event["time"]
    ('Order Placed', {'orderId': 'o-1'}, '1970-01-01T00:00:00Z')

    The event does not name the bus it came through: AWS's envelope has no such field, so
    neither does this builder.
    See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
    """
    ids = Ids(resolve_rng(seed, rng, "eventbridge"))
    return {
        "version": "0",
        "id": ids.uuid4(),
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        "time": iso_seconds(resolve_now(now)),
        "region": region,
        "resources": list(resources or []),
        "detail": copy.deepcopy(dict(detail or {})),
    }


def schedule(
    *,
    rule: str = "my-schedule",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """What a scheduled rule (``rate(5 minutes)``, ``cron(...)``) sends each time it fires.

    >>> schedule(rule="nightly", now=0, seed=1)["resources"]
    ['arn:aws:events:us-east-1:123456789012:rule/nightly']

    ``time`` is when the schedule fired; ``detail`` is always empty.
    This is the event of an EventBridge *rule* with a schedule expression; EventBridge
    Scheduler instead sends whatever input you configure on the schedule.
    See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
    """
    return eventbridge(
        {}, source="aws.events", detail_type="Scheduled Event",
        resources=[f"arn:aws:events:{region}:{account_id}:rule/{rule}"],
        region=region, account_id=account_id, now=now, seed=seed, rng=rng,
    )
