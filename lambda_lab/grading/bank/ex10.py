"""Exercise 10 (after notebook 3): what lives in the execution environment, and what in a request.

``ex10-basket`` prices a basket, ``{"items": [...]}`` -> ``{"items": [...], "total": n,
"connection": id}``. It must open its (slow, 0.3 s) connection once per execution environment,
during INIT, and keep each request's items out of module-level state. The checks read the
``connection`` id each answer reports and the environment each call ran in
(``Invocation.environment``): warm calls in one environment share a connection, a cold start
(forced by moving the lab clock past the keep-alive) opens a new one during INIT, and no answer
carries another request's items, also when two requests run at once in two environments.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..checks import exercise

ex10 = exercise("ex10", "State that survives a warm start")
FUNCTION = "ex10-basket"
_IDLE_S = 601          # past the 10 minutes an idle environment is kept
_PRICES = {"apple": 2, "pear": 3, "plum": 1, "fig": 4}


def _call(ns, event: dict):
    answer = ns.function(FUNCTION).invoke(event)
    assert not answer.throttled, "the call was throttled (too many at once); run the check again"
    assert answer.error is None, (f"the handler failed on {event}: {answer.error.get('errorType')}: "
                                  f"{answer.error.get('errorMessage')}"[:300])
    payload = answer.payload
    assert isinstance(payload, dict) and {"items", "total", "connection"} <= set(payload), (
        f"answer {{'items': [...], 'total': ..., 'connection': ...}}; it answered {payload!r:.120}")
    return answer


def _expect_items(answer, items: list[str], what: str) -> None:
    expected = {"items": items, "total": sum(_PRICES[i] for i in items)}
    got = {"items": answer.payload["items"], "total": answer.payload["total"]}
    assert got == expected, (f"{what}: the request's items were {items}, so expected {expected}, but it answered "
                             f"{got!r:.150}. Keep each request's items in a local variable of the handler, "
                             f"not in module-level state")


def _warm_pair(ns, first_event: dict, second_event: dict):
    first = _call(ns, first_event)
    second = _call(ns, second_event)
    assert not second.cold and second.environment == first.environment, (
        "could not check: the second call did not run warm in the first one's environment; run the check again")
    return first, second


@ex10.check(points=2, hint="Open the connection once, at module level (CONNECTION = connect()), and use that "
                           "in the handler instead of calling connect() on every call.")
def reuses_the_connection_when_warm(ns):
    first, second = _warm_pair(ns, {"items": ["apple"]}, {"items": ["pear"]})
    assert second.payload["connection"] == first.payload["connection"], (
        f"two calls in the same warm environment used two connections ({first.payload['connection']} and "
        f"{second.payload['connection']}): the handler opens a new one on every call, and each costs 0.3 s")


@ex10.check(points=2, hint="A module-level list lives as long as the environment and collects every request's "
                           "items. Build the basket inside the handler, from this request's event only.")
def no_items_leak_into_the_next_call(ns):
    _, second = _warm_pair(ns, {"items": ["apple", "pear"]}, {"items": ["fig"]})
    _expect_items(second, ["fig"], "a warm call after another one")


@ex10.check(points=1, hint="A cold start runs the module again: whatever it creates at module level is new. "
                           "Opening the connection inside the handler, even only once, keeps it out of INIT.")
def a_cold_start_opens_a_new_connection(ns):
    before = _call(ns, {"items": ["plum"]})
    advance = getattr(ns.lab.clock, "advance", None)
    assert advance is not None, "this check forces a cold start with the lab clock: grade it on Lab.local()"
    advance(_IDLE_S)
    cold = _call(ns, {"items": ["apple"]})
    assert cold.cold and cold.environment != before.environment, (
        "could not check: the call after 10 idle minutes was not a cold start; run the check again")
    assert cold.payload["connection"] != before.payload["connection"], (
        "a new execution environment answered with the old environment's connection id")
    assert (cold.init_ms or 0) >= 250, (
        f"the cold start's INIT took {cold.init_ms or 0:.0f} ms: opening the connection (0.3 s) should happen "
        f"there, at module level, so that the environment's first request already finds it")
    warm = _call(ns, {"items": ["pear"]})
    assert not warm.cold and warm.payload["connection"] == cold.payload["connection"], (
        "the warm call after a cold start used another connection than the cold start's")


@ex10.check(points=2, hidden=True)
def concurrent_calls_keep_their_own_items(ns):
    _call(ns, {"items": ["plum", "plum"]})             # leave something behind in a warm environment
    events = ({"items": ["apple"], "delay": 1.0}, {"items": ["pear", "fig"], "delay": 1.0})
    rounds = []
    for _ in range(2):
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda event: _call(ns, event), events))
        assert answers[0].environment != answers[1].environment, (
            "could not check: the two overlapping calls ran in one environment; run the check again")
        for event, answer in zip(events, answers):
            _expect_items(answer, event["items"], "two requests at the same time, in two environments")
        rounds.append({a.environment: a.payload["connection"] for a in answers})
    for environment, connection in rounds[1].items():
        if environment in rounds[0]:
            assert rounds[0][environment] == connection, (
                "an environment answered with a different connection on a later warm call: open it once per "
                "environment")


@ex10.check(points=1, hidden=True)
def an_empty_request_answers_empty(ns):
    _call(ns, {"items": ["fig", "apple"]})
    answer = _call(ns, {})
    _expect_items(answer, [], "a request without items")
