"""Exercise 6 (after notebook 4): a scheduled clean-up that deletes items older than 7 days.

The function ``ex06-cleanup`` scans the table ``ex06-sessions`` and deletes every item whose
``created_at`` is *strictly* older than 7 days before the scheduled event's ``time`` (an item
exactly 7 days old stays); it answers ``{"deleted": <count>}``. The rule ``ex06-nightly`` runs it
every day at 03:00 UTC. Each check fills the table with its own items first.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from ..checks import exercise

ex06 = exercise("ex06", "A scheduled clean-up")
FUNCTION = "ex06-cleanup"
TABLE = "ex06-sessions"
RULE = "ex06-nightly"
DAY = 86400
# The moment the checks' scheduled events fire at: 2025-06-15 03:00 UTC, a Sunday.
NOW = datetime(2025, 6, 15, 3, 0, tzinfo=timezone.utc).timestamp()


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reset(ns, items: dict[str, float]) -> None:
    """Empty the table, then put one item per id, created at the given moment."""
    dynamodb = ns.lab.client("dynamodb")
    try:
        dynamodb.describe_table(TableName=TABLE)
    except dynamodb.exceptions.ResourceNotFoundException:
        raise AssertionError(f"there is no table {TABLE!r}: run the setup cell that creates it") from None
    scan: dict = {"TableName": TABLE, "ProjectionExpression": "#id", "ExpressionAttributeNames": {"#id": "id"}}
    while True:
        page = dynamodb.scan(**scan)
        for item in page["Items"]:
            dynamodb.delete_item(TableName=TABLE, Key={"id": item["id"]})
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    for item_id, created in items.items():
        dynamodb.put_item(TableName=TABLE, Item={"id": {"S": item_id}, "created_at": {"S": _iso(created)},
                                                 "user": {"S": f"user-{item_id}"}})


def _remaining(ns) -> set[str]:
    dynamodb = ns.lab.client("dynamodb")
    ids: set[str] = set()
    scan: dict = {"TableName": TABLE}
    while True:
        page = dynamodb.scan(**scan)
        ids |= {item["id"]["S"] for item in page["Items"]}
        if "LastEvaluatedKey" not in page:
            return ids
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _run_at(ns, moment: float):
    """Invoke the function with the event a scheduled rule sends at ``moment``."""
    from ... import events
    answer = ns.function(FUNCTION).invoke(events.schedule(rule=RULE, now=moment, seed="ex06"))
    assert answer.error is None, (f"the handler failed: {answer.error.get('errorType')}: "
                                  f"{answer.error.get('errorMessage')}"[:300])
    return answer


def _age(seconds: float) -> str:
    """``8 days``, ``7 days and 1 s``, ``1 hour``: an item's age, exact to the second."""
    days, rest = divmod(int(round(seconds)), DAY)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
             if n] + ([f"{secs} s"] if secs else [])
    return " and ".join(parts) or "0 s"


def _expect(ns, items: dict[str, float], moment: float, *, keep: set[str]) -> None:
    """Compare what is left with ``keep``; name each wrong item by its age at ``moment``."""
    left = _remaining(ns)
    when = _iso(moment)
    for item_id in sorted(items, key=lambda i: items[i]):
        age = _age(moment - items[item_id])
        if item_id in keep:
            assert item_id in left, (f"an item created {age} before the event's time ({when}) was deleted: "
                                     f"keep items that are 7 days old or younger")
        else:
            assert item_id not in left, (f"an item created {age} before the event's time ({when}) is still "
                                         f"there: delete items older than 7 days")


@ex06.check(points=2, hint="Compare each item's created_at with the event's time minus timedelta(days=7), "
                           "and delete the item with table.delete_item(Key={\"id\": ...}).")
def deletes_old_items_and_keeps_fresh_ones(ns):
    items = {"old-30d": NOW - 30 * DAY, "old-8d": NOW - 8 * DAY, "new-3d": NOW - 3 * DAY, "new-1h": NOW - 3600}
    _reset(ns, items)
    _run_at(ns, NOW)
    _expect(ns, items, NOW, keep={"new-3d", "new-1h"})


@ex06.check(points=1, hint="Take \"now\" from event[\"time\"] (an ISO 8601 string such as 2025-06-15T03:00:00Z), "
                           "not from datetime.now() or time.time().")
def uses_the_events_time_not_the_clock(ns):
    moment = datetime(2020, 1, 10, 3, 0, tzinfo=timezone.utc).timestamp()
    items = {"jan-01": moment - 9 * DAY, "jan-08": moment - 2 * DAY}
    _reset(ns, items)
    _run_at(ns, moment)
    left = _remaining(ns)
    assert "jan-08" in left, ("with an event whose time is 2020-01-10T03:00:00Z, an item created on 2020-01-08 "
                              "(2 days before) was deleted: measure ages from the event's time, not the clock")
    assert "jan-01" not in left, ("with an event whose time is 2020-01-10T03:00:00Z, an item created on "
                                  "2020-01-01 (9 days before) is still there")


@ex06.check(points=1, hint="Count the items you delete and return {\"deleted\": count}.")
def answers_how_many_it_deleted(ns):
    items = {"a": NOW - 10 * DAY, "b": NOW - 9 * DAY, "c": NOW - 8 * DAY, "d": NOW - DAY}
    _reset(ns, items)
    payload = _run_at(ns, NOW).payload
    assert isinstance(payload, dict) and "deleted" in payload, (
        f"the function should answer {{\"deleted\": <count>}}, it answered {payload!r:.80}")
    assert payload["deleted"] == 3, (f"3 of 4 items were older than 7 days, but the function answered "
                                     f"{{\"deleted\": {payload['deleted']!r}}}")


@ex06.check(points=1, hint="events.put_rule(Name=\"ex06-nightly\", ScheduleExpression=\"cron(...)\"), "
                           "lambda add_permission for events.amazonaws.com, then events.put_targets.")
def is_scheduled_for_3am_utc_every_day(ns):
    from ...backends.local.scheduler import Schedule
    lab = ns.lab
    events = lab.client("events")
    try:
        rule = events.describe_rule(Name=RULE)
    except events.exceptions.ResourceNotFoundException:
        raise AssertionError(f"there is no EventBridge rule {RULE!r}: run the cell that creates it") from None
    expression = rule.get("ScheduleExpression")
    assert expression, f"the rule {RULE!r} has no ScheduleExpression: give it one with put_rule"
    assert rule.get("State") == "ENABLED", f"the rule {RULE!r} is {rule.get('State')}: enable it"
    # From an odd moment (2025-06-15 08:17 UTC), so that rate(1 day) shows itself for what it is.
    schedule, moment, firings = Schedule(expression), NOW + 5 * 3600 + 17 * 60, []
    for _ in range(3):
        moment = schedule.next_after(moment)
        firings.append(moment)
    shown = ", ".join(_iso(f) for f in firings if f is not None)
    assert all(f is not None and f % DAY == 3 * 3600 for f in firings) and \
        [b - a for a, b in zip(firings, firings[1:])] == [DAY, DAY], (
        f"{expression} should fire every day at 03:00 UTC; it would fire at {shown}")
    arn = ns.function(FUNCTION).configuration["FunctionArn"]
    targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=RULE)["Targets"]]
    assert arn in targets, f"the rule {RULE!r} does not target {FUNCTION}: add it with put_targets"
    try:
        policy = json.loads(lab.client("lambda").get_policy(FunctionName=FUNCTION)["Policy"])
    except Exception:  # noqa: BLE001 - no policy at all
        policy = {"Statement": []}
    allowed = [s for s in policy.get("Statement", []) if s.get("Effect") == "Allow"
               and (s.get("Principal") or {}).get("Service") == "events.amazonaws.com"]
    assert allowed, (f"{FUNCTION} does not allow EventBridge to invoke it: add a permission for the principal "
                     f"events.amazonaws.com (lambda add_permission), or AWS will not run it")


@ex06.check(points=1, hidden=True)
def keeps_an_item_exactly_7_days_old(ns):
    items = {"7d-plus-1s": NOW - 7 * DAY - 1, "7d-exactly": NOW - 7 * DAY, "7d-minus-1s": NOW - 7 * DAY + 1}
    _reset(ns, items)
    _run_at(ns, NOW)
    _expect(ns, items, NOW, keep={"7d-exactly", "7d-minus-1s"})


@ex06.check(points=1, hidden=True)
def is_safe_to_run_twice(ns):
    items = {"old-20d": NOW - 20 * DAY, "old-8d": NOW - 8 * DAY, "new-2d": NOW - 2 * DAY}
    _reset(ns, items)
    _run_at(ns, NOW)
    second = _run_at(ns, NOW).payload
    _expect(ns, items, NOW, keep={"new-2d"})
    assert isinstance(second, dict) and second.get("deleted") == 0, (
        f"run a second time at the same moment, nothing is left to delete, but it answered {second!r:.80}")


@ex06.check(points=2, hidden=True)
def cleans_up_when_the_schedule_fires(ns):
    from ...backends.local.scheduler import Schedule
    from ...fire import wait_for_invocations
    lab = ns.lab
    advance = getattr(lab.clock, "advance", None)
    assert advance is not None, "this check moves the lab clock: grade it on a local lab (Lab.local())"
    try:
        expression = lab.client("events").describe_rule(Name=RULE).get("ScheduleExpression")
    except Exception:  # noqa: BLE001 - no rule
        expression = None
    assert expression, f"there is no scheduled rule {RULE!r} to fire"
    time.sleep(0.2)  # the scheduler notices a rule within a tick
    due = Schedule(expression).next_after(lab.clock.now())
    assert due is not None, f"{expression} never fires"
    items = {"sched-old": due - 8 * DAY, "sched-new": due - 6 * DAY}
    _reset(ns, items)
    since = time.time()
    advance(max(0.0, due - lab.clock.now()) + 30)
    ran = wait_for_invocations(lab, FUNCTION, since=since, count=1, timeout_s=30)
    assert all(r.error is None for r in ran), f"the scheduled run failed: {ran[0].error}"
    _expect(ns, items, due, keep={"sched-new"})
