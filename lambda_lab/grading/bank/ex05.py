"""Exercise 5 (after notebooks 4 and 11): an idempotent SQS consumer.

The function ``ex05-orders`` receives SQS batches whose bodies are orders
``{"order_id": "...", "amount": <whole number>}``. For each order seen for the first time it stores
the order in the table ``ex05-orders`` (key ``order_id``) and adds its amount once to the revenue
item of ``ex05-revenue`` (key ``id`` = ``"total"``: ``amount`` and ``orders`` count up) through the
``add_to_revenue`` helper it is given. An order id seen before (the same message delivered again, a
duplicate in the same batch, the same order in a new message, or two deliveries at the same time)
changes nothing, and never fails the invocation. Each check uses fresh order ids and compares the
revenue before and after, so checks can run again. The last check invokes two copies of a message
at the same moment, in two warm execution environments: a "read, then write" consumer counts them
twice there, a conditional write does not.

Where the lab departs from AWS: moto does not isolate concurrent ``transact_write_items`` calls (a
cancelled one restores a copy of the tables taken before it ran, undoing the other's writes), so a
transaction-based consumer can fail that check now and then; the exercise's text says to use a
conditional put here.
"""

from __future__ import annotations

import threading
import uuid

from ..checks import exercise

ex05 = exercise("ex05", "An idempotent consumer")
FUNCTION = "ex05-orders"
ORDERS = "ex05-orders"
REVENUE = "ex05-revenue"


def _order(amount: int) -> dict:
    return {"order_id": f"o-{uuid.uuid4().hex[:10]}", "amount": amount}


def _revenue(ns) -> tuple[int, int]:
    """(amount, orders) of the revenue item; (0, 0) before the first order."""
    item = ns.item(REVENUE, {"id": {"S": "total"}}) or {}
    return int(item.get("amount", {}).get("N", "0")), int(item.get("orders", {}).get("N", "0"))


def _stored(ns, order_id: str) -> dict | None:
    return ns.item(ORDERS, {"order_id": {"S": order_id}})


def _deliver(ns, event, what: str):
    answer = ns.function(FUNCTION).invoke(event)
    assert not answer.throttled, f"{what}: the call was throttled (too many at once); run the check again"
    assert answer.error is None, (f"{what}: the handler failed with {answer.error.get('errorType')}: "
                                  f"{answer.error.get('errorMessage')}"[:300] + ". A duplicate must be skipped "
                                  "quietly: a failure sends the whole batch back to the queue")
    return answer


def _expect(ns, before: tuple[int, int], orders: list[dict], what: str) -> None:
    """Each order stored, and the revenue grown by each order's amount exactly once."""
    for order in orders:
        item = _stored(ns, order["order_id"])
        assert item is not None, f"{what}: the order {order['order_id']} is not in the table {ORDERS!r}"
        assert item.get("amount") == {"N": str(order["amount"])}, (
            f"{what}: the order {order['order_id']} should be stored with amount {order['amount']}, "
            f"it has {item.get('amount')!r}")
    amount, count = _revenue(ns)
    added, counted = amount - before[0], count - before[1]
    expected = sum(o["amount"] for o in orders)
    assert (added, counted) == (expected, len(orders)), (
        f"{what}: the revenue should grow by {expected} over {len(orders)} order(s), once each; it grew by {added} "
        f"over {counted} order(s)" + (" (an order was counted more than once)" if counted > len(orders) else ""))


@ex05.check(points=1, hint="For an order you have not seen, store it in ex05-orders and call add_to_revenue once.")
def records_a_new_order(ns):
    from ... import events
    order = _order(25)
    before = _revenue(ns)
    _deliver(ns, events.sqs(order, queue="orders"), "one new order")
    _expect(ns, before, [order], "one new order")


@ex05.check(points=2, hint="Make storing the order a conditional write that fails when the order id is already "
                           "in the table (notebook 11), and skip the order when it fails.")
def ignores_the_same_message_delivered_twice(ns):
    from ... import events
    order = _order(40)
    message = events.sqs(order, queue="orders")  # the same messageId both times
    before = _revenue(ns)
    _deliver(ns, message, "the first delivery")
    _deliver(ns, message, "the same message, delivered again")
    _expect(ns, before, [order], "the same message delivered twice")


@ex05.check(points=1, hidden=True)
def ignores_a_duplicate_inside_one_batch(ns):
    from ... import events
    first, second = _order(7), _order(11)
    before = _revenue(ns)
    _deliver(ns, events.sqs([first, second, dict(first)], queue="orders"), "a batch with one order twice")
    _expect(ns, before, [first, second], "a batch with one order twice")


@ex05.check(points=1, hidden=True)
def ignores_the_same_order_in_a_new_message(ns):
    from ... import events
    order = _order(13)
    before = _revenue(ns)
    _deliver(ns, events.sqs(order, queue="orders"), "an order")
    _deliver(ns, events.sqs(order, queue="orders"), "the same order again, in a new message")
    _expect(ns, before, [order], "the same order sent twice, in two messages")


@ex05.check(points=2, hidden=True)
def ignores_simultaneous_duplicates(ns):
    from ... import events
    fn = ns.function(FUNCTION)
    copies = 2

    def at_once(event) -> list:
        """Invoke ``copies`` times at the same moment, each in its own execution environment."""
        gate = threading.Barrier(copies)
        answers: list = [None] * copies

        def one(index: int) -> None:
            try:
                gate.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            try:
                answers[index] = fn.invoke(event)
            except Exception as exc:  # noqa: BLE001 - reported below, in the check's own thread
                answers[index] = exc

        threads = [threading.Thread(target=one, args=(i,)) for i in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    at_once({"Records": []})  # start the environments first, so the copies below run side by side
    orders = [_order(amount) for amount in (5, 8, 21, 34)]
    before = _revenue(ns)
    for order in orders:
        message = events.sqs(order, queue="orders")
        for answer in at_once(message):
            assert not isinstance(answer, Exception), f"{copies} copies of one message at the same time: {answer}"
            assert not answer.throttled, "the copies were throttled (too many at once); run the check again"
            assert answer.error is None, (f"{copies} copies of one message at the same time: the handler failed with "
                                          f"{answer.error.get('errorType')}: {answer.error.get('errorMessage')}"[:300])
    _expect(ns, before, orders, f"{copies} copies of each message delivered at the same time")
