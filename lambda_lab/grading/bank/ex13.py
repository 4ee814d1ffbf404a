"""Exercise 13 (after notebook 14): a durable order workflow that is safe to replay.

``ex13-orders`` is a durable function: ``{"order": id, "amount": n}`` -> charge the card once
(one item in the ``ex13-charges`` table, keyed by its payment id), wait one day, ship, and
answer ``{"order": id, "payment": payment_id, "status": "shipped"}``. The handler is replayed
after the wait, so the charge and the payment id (a uuid) must come from steps: the checks run
orders through the whole day on the lab clock, then count the charges and compare ids.
"""

from __future__ import annotations

import uuid

from ..checks import exercise

ex13 = exercise("ex13", "A workflow that is safe to replay")
FUNCTION = "ex13-orders"
TABLE = "ex13-charges"
_DAY_S = 86400


def _order(name: str) -> str:
    """A fresh order id per run: the checks may run more than once against one lab (the notebook's
    own check cell, then the grader), and every run charges; counting must see only its own."""
    return f"{name}-{uuid.uuid4().hex[:6]}"


def _run(ns, order: str, amount: int):
    fn = ns.function(FUNCTION)
    try:
        run = fn.start_execution({"order": order, "amount": amount})
        run.wait_until("WaitStarted", timeout_s=30)
    except Exception as exc:   # noqa: BLE001 - the learner's failure, told in words
        raise AssertionError(f"the execution for order {order} never reached its one-day wait: {exc}"[:400]) from None
    ns.lab.clock.advance(_DAY_S)
    try:
        run.wait(timeout_s=60)
    except Exception as exc:   # noqa: BLE001
        raise AssertionError(f"the execution for order {order} did not end after the day passed: {exc}"[:400]) from None
    assert run.status == "SUCCEEDED", f"the execution for order {order} ended {run.status}: {run.error}"[:400]
    result = run.result
    assert isinstance(result, dict) and result.get("status") == "shipped", (
        f'answer {{"order": ..., "payment": ..., "status": "shipped"}}; it answered {result!r:.150}')
    return run, result


def _charges(ns, order: str) -> list[dict]:
    dynamodb = ns.lab.client("dynamodb")
    items = dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    return [i for i in items if i.get("order", {}).get("S") == order]


@ex13.check(points=1, hint="lab.deploy(..., durable=...) with an ExecutionTimeout of at least two days "
                           "(2 * 86400 seconds): the workflow waits a day.")
def is_durable_for_long_enough(ns):
    config = ns.function(FUNCTION).configuration.get("DurableConfig")
    assert config, "ex13-orders is not a durable function: deploy it with durable=..."
    assert config["ExecutionTimeout"] >= 2 * _DAY_S, (
        f"ExecutionTimeout is {config['ExecutionTimeout']} s; the workflow waits a day, so give it at least two")


@ex13.check(points=1, hint="context.wait(Duration.from_days(1), ...) between charging and shipping; return the "
                           "order, the payment id and status 'shipped'.")
def ships_after_a_day(ns):
    order = _order("A-100")
    run, result = _run(ns, order, 30)
    waits = [e for e in run.history() if e["EventType"] == "WaitStarted"]
    assert waits and waits[0]["WaitStartedDetails"]["Duration"] == _DAY_S, "wait exactly one day (86400 s)"
    assert result["order"] == order, f"the answer names order {result.get('order')!r}, not {order!r}"


@ex13.check(points=2, hint="The handler runs again from the top after the wait (replay): charge inside "
                           "context.step(...) so the charge is recorded once and not repeated.")
def charges_once(ns):
    order = _order("A-200")
    _run(ns, order, 45)
    charges = _charges(ns, order)
    assert len(charges) == 1, (f"order {order} was charged {len(charges)} times; a replay must not charge again "
                               "(put the charge in a step)")


@ex13.check(points=1, hidden=True)
def answers_the_payment_it_charged(ns):
    order = _order("A-300")
    _, result = _run(ns, order, 12)
    charged = [c["payment"]["S"] for c in _charges(ns, order)]
    assert charged == [result.get("payment")], (
        f"the answer's payment {result.get('payment')!r} is not the one charged {charged}: draw the uuid inside a "
        "step, or it changes on replay")


@ex13.check(points=1, hidden=True)
def two_orders_two_payments(ns):
    _, first = _run(ns, _order("A-400"), 5)
    second_order = _order("A-401")
    _, second = _run(ns, second_order, 6)
    assert first["payment"] != second["payment"], "two orders got the same payment id"
    amounts = {c["amount"]["N"] for c in _charges(ns, second_order)}
    assert amounts == {"6"}, f"order {second_order} is for 6; it was charged {sorted(amounts)}: charge the order's own amount"
