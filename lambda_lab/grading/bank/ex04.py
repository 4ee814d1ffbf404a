"""Exercise 4 (after notebook 4): an SQS consumer with partial batch responses.

The function ``ex04-orders`` receives batches of SQS messages whose bodies are orders, JSON objects
``{"order_id": "<non-empty string>", "quantity": <whole number >= 1>}``. It saves each good order
with the ``save_order`` helper it is given (table ``ex04-orders``, key ``order_id``) and answers
``{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`` naming exactly the bad messages
(a body that is not JSON, not an object, without a usable ``order_id`` or ``quantity``), without
raising. Most checks invoke it with ``events.sqs([...])``; the last sends real messages to a fresh
queue, then maps it to the function with ``ReportBatchItemFailures`` (so the first poll takes one
batch of all of them), and counts what stays in the queue after that delivery: exactly the bad
messages (the visibility timeout is 60 s, so none comes back meanwhile). Order ids are fresh in
every run, so the checks can run again.
"""

from __future__ import annotations

import json
import time
import uuid

from ..checks import exercise

ex04 = exercise("ex04", "Partial batch responses for SQS")
FUNCTION = "ex04-orders"
TABLE = "ex04-orders"
QUEUE = "ex04-graded-orders"


def _order(quantity=1, **extra) -> dict:
    return {"order_id": f"o-{uuid.uuid4().hex[:8]}", "quantity": quantity, **extra}


def _deliver(ns, bodies: list) -> tuple[list[str], set[str]]:
    """Invoke with one batch; returns the message ids and the ids the handler reported as failed."""
    from ... import events
    batch = events.sqs(bodies, queue="ex04-orders")
    ids = [r["messageId"] for r in batch["Records"]]
    answer = ns.function(FUNCTION).invoke(batch)
    assert answer.error is None, (
        f"with a batch of {len(ids)} messages, the handler raised {answer.error.get('errorType')}: "
        f"{answer.error.get('errorMessage')}"[:300] + ". Raising fails the whole batch, good messages included: "
        "report the bad messages in batchItemFailures instead")
    payload = answer.payload
    assert isinstance(payload, dict) and isinstance(payload.get("batchItemFailures"), list), (
        f'return {{"batchItemFailures": [...]}} (a list, empty when every message is good); '
        f"the handler returned {payload!r:.120}")
    failures = payload["batchItemFailures"]
    named = []
    for entry in failures:
        assert isinstance(entry, dict) and isinstance(entry.get("itemIdentifier"), str), (
            f'each entry of batchItemFailures is {{"itemIdentifier": <the record\'s messageId>}}, got {entry!r:.100}')
        named.append(entry["itemIdentifier"])
    unknown = [n for n in named if n not in ids]
    assert not unknown, (f"batchItemFailures names {unknown[0]!r:.60}, which is not the messageId of any record of the "
                         "batch (Lambda would then retry the whole batch): use record[\"messageId\"]")
    assert len(named) == len(set(named)), f"batchItemFailures names a message more than once: {named!r:.200}"
    return ids, set(named)


def _describe(bodies: list, ids: list[str], which: set[str]) -> str:
    shown = [bodies[ids.index(i)] for i in ids if i in which]
    return ", ".join(json.dumps(b) for b in shown) or "none"


def _expect_failures(bodies: list, ids: list[str], reported: set[str], bad: set[int]) -> None:
    expected = {ids[i] for i in bad}
    missed = expected - reported
    wrong = reported - expected
    assert not missed, f"these bad messages were not reported in batchItemFailures: {_describe(bodies, ids, missed)}"
    assert not wrong, (f"these good messages were reported as failed (they would be processed again): "
                       f"{_describe(bodies, ids, wrong)}")


def _saved(ns, order_id: str) -> dict | None:
    return ns.item(TABLE, {"order_id": {"S": order_id}})


def _expect_saved(ns, bodies: list, good: list[int]) -> None:
    for index in good:
        order = bodies[index]
        item = _saved(ns, order["order_id"])
        assert item is not None, f"the good order {json.dumps(order)} was not saved: call save_order(order) for it"
        assert item.get("quantity") == {"N": str(order["quantity"])}, (
            f"the good order {json.dumps(order)} was saved with quantity {item.get('quantity')!r}")


def _expect_not_saved(ns, bodies: list, bad: list[int]) -> None:
    for index in bad:
        order = bodies[index]
        if isinstance(order, dict) and isinstance(order.get("order_id"), str) and order["order_id"]:
            assert _saved(ns, order["order_id"]) is None, f"the bad order {json.dumps(order)} should not be saved"


@ex04.check(points=2, hint="Loop over event[\"Records\"]; for a bad one, append "
                           "{\"itemIdentifier\": record[\"messageId\"]} to a list, and return "
                           "{\"batchItemFailures\": that_list}.")
def reports_only_the_bad_message(ns):
    bodies = [_order(2), _order(0), _order(5)]
    ids, reported = _deliver(ns, bodies)
    _expect_failures(bodies, ids, reported, bad={1})


@ex04.check(points=1, hint="Call save_order(order) for every good order, and only for those.")
def saves_the_good_orders(ns):
    bodies = [_order(1), _order(-3), _order(4)]
    _deliver(ns, bodies)
    _expect_saved(ns, bodies, good=[0, 2])
    _expect_not_saved(ns, bodies, bad=[1])


@ex04.check(points=1, hint="A good order has an \"order_id\" that is a non-empty string and a \"quantity\" that is a "
                           "whole number of at least 1; anything else is bad.")
def reports_every_bad_message(ns):
    good = _order(3)
    bodies = [{"quantity": 2}, good, {"order_id": "", "quantity": 1}, _order(-1), _order(7)]
    ids, reported = _deliver(ns, bodies)
    _expect_failures(bodies, ids, reported, bad={0, 2, 3})
    _expect_saved(ns, bodies, good=[1, 4])


@ex04.check(points=1, hidden=True)
def reports_nothing_when_all_are_good(ns):
    bodies = [_order(1), _order(2), _order(3)]
    ids, reported = _deliver(ns, bodies)
    assert not reported, f"every message was good, but batchItemFailures named {_describe(bodies, ids, reported)}"
    _expect_saved(ns, bodies, good=[0, 1, 2])


@ex04.check(points=1, hidden=True)
def treats_malformed_bodies_as_bad(ns):
    text_quantity = {"order_id": f"o-{uuid.uuid4().hex[:8]}", "quantity": "3"}
    bodies = [_order(2), "this is not JSON", "[1, 2, 3]", text_quantity, "", _order(1)]
    ids, reported = _deliver(ns, bodies)
    _expect_failures(bodies, ids, reported, bad={1, 2, 3, 4})
    _expect_saved(ns, bodies, good=[0, 5])
    _expect_not_saved(ns, bodies, bad=[3])


@ex04.check(points=2, hidden=True)
def only_bad_messages_stay_in_a_real_queue(ns):
    """Real messages, a real mapping with ReportBatchItemFailures: after one delivery the good messages
    are deleted from the queue and exactly the bad ones stay in it, to come back after the visibility
    timeout (60 s, so none comes back during the check)."""
    from ...fire import wait_for_invocations
    ns.function(FUNCTION)
    tag = uuid.uuid4().hex[:8]
    sqs = ns.lab.client("sqs")
    url = sqs.create_queue(QueueName=f"{QUEUE}-{tag}", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bodies = [_order(2), _order(0), "not JSON", _order(4), _order(1), {"quantity": 3}]
    bad = [1, 2, 5]
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": b if isinstance(b, str) else json.dumps(b)} for i, b in enumerate(bodies)])
    # The messages wait in the queue before the mapping exists, so its first poll takes them all: one batch.
    since = time.time()
    lam = ns.lab.client("lambda")
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=FUNCTION, BatchSize=10,
                                              MaximumBatchingWindowInSeconds=0,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
    try:
        ran = wait_for_invocations(ns.lab, FUNCTION, since=since, count=1, timeout_s=30)
        assert ran[0].error is None, (
            f"through a real queue, the handler raised {ran[0].error.get('errorType')}: "
            f"{ran[0].error.get('errorMessage')}"[:300] + ", so the whole batch stays in the queue")
        readings: list[tuple[int, int]] = []
        for _ in range(60):  # the poller deletes the batch's good messages just after the call returns
            time.sleep(0.25)
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            readings.append((int(attributes["ApproximateNumberOfMessages"]),
                             int(attributes["ApproximateNumberOfMessagesNotVisible"])))
            if len(readings) >= 3 and len(set(readings[-3:])) == 1:
                break
        counts = readings[-1]
    finally:
        lam.delete_event_source_mapping(UUID=mapping)
    waiting, in_flight = counts
    assert waiting == 0, f"through a real queue, {waiting} message(s) were never delivered to the function"
    assert in_flight == len(bad), (
        f"through a real queue, a batch of {len(bodies)} messages with {len(bad)} bad ones left {in_flight} in the "
        f"queue to be delivered again; exactly the {len(bad)} bad ones should stay (the others are deleted)")
    _expect_saved(ns, bodies, good=[0, 3, 4])
