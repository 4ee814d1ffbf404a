"""Exercise 12 (after notebook 12): a long job made resumable with checkpoints.

``ex12-job`` gets ``{"items": [...], "next": k}``, processes items from position ``k`` with the
given ``process`` (0.1 s each; it counts each item in the table ``ex12-processed``, key ``item``,
attribute ``times``), and before its time runs out returns ``{"done": false, "next": k'}``; at the
end ``{"done": true, "next": len(items)}``. The checks drive it with its own checkpoints, as an
orchestrator would, and read the table: every item processed exactly once, no call timed out.
Each check uses fresh item ids, so checks can run again. The hidden ones run the job with the
timeout changed to 1 s, and to 6 s, where 15 items (1.5 s of work) must be done in one call (a
handler that stops after a fixed number of items does not; the slack absorbs a busy
machine); they put the original timeout back. The last one calls it with a finished checkpoint.
"""

from __future__ import annotations

import uuid

from ..checks import exercise

ex12 = exercise("ex12", "A long job, in pieces that fit")
FUNCTION = "ex12-job"
TABLE = "ex12-processed"
_MAX_CALLS = 40
_LONG_TIMEOUT_S = 6


def _items(label: str, count: int) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"{label}-{run}-{i:02d}" for i in range(count)]


def _times(ns, item: str) -> int:
    found = ns.item(TABLE, {"item": {"S": item}}) or {}
    return int(found.get("times", {}).get("N", "0"))


def _step(ns, items: list[str], position: int, call: int):
    """One call from ``position``; the checkpoint it returned."""
    answer = ns.function(FUNCTION).invoke({"items": items, "next": position})
    assert not answer.throttled, "the call was throttled; run the check again"
    where = f"call {call} (started at next={position})"
    if answer.error is not None:
        message = str(answer.error.get("errorMessage", ""))
        if answer.error.get("errorType") == "Sandbox.Timedout":
            raise AssertionError(f"{where} timed out: {message[message.find('Task timed out'):]}. Check the time left before each item, "
                                 f"and return a checkpoint while at least 500 ms are left")
        raise AssertionError(f"{where} failed: {answer.error.get('errorType')}: {message}"[:300])
    payload = answer.payload
    assert (isinstance(payload, dict) and isinstance(payload.get("done"), bool)
            and isinstance(payload.get("next"), int) and not isinstance(payload.get("next"), bool)), (
        f"{where}: answer {{'done': true or false, 'next': <position>}}; it answered {payload!r:.100}")
    return payload["done"], payload["next"]


def _run_job(ns, items: list[str]) -> int:
    """Drive the job with its own checkpoints to the end; the number of calls it took."""
    position, stuck = 0, 0
    for call in range(1, _MAX_CALLS + 1):
        done, following = _step(ns, items, position, call)
        if done:
            assert following == len(items), (f"call {call} said done, with next={following}; a finished job of "
                                              f"{len(items)} items answers next={len(items)}")
            return call
        assert position <= following <= len(items), (
            f"call {call} started at next={position} and returned next={following}: the checkpoint must not go "
            f"back, nor past the {len(items)} items")
        stuck = stuck + 1 if following == position else 0
        assert stuck < 3, (f"{stuck} calls in a row started at next={position} and returned it unchanged: each "
                           f"call should start at the event's next and process the items it has time for")
        position = following
    raise AssertionError(f"the job was not done after {_MAX_CALLS} calls (it got to next={position} of "
                         f"{len(items)}): each call should process the items it has time for")


def _expect_each_once(ns, items: list[str], what: str) -> None:
    counts = {item: _times(ns, item) for item in items}
    twice = [i for i, n in counts.items() if n > 1]
    never = [i for i, n in counts.items() if n == 0]
    assert not twice, (f"{what}: {len(twice)} item(s) were processed more than once, e.g. {twice[0]} "
                       f"{counts[twice[0]]} times. Return the position of the first item you did not process, "
                       f"and start there on the next call")
    assert not never, f"{what}: {len(never)} item(s) were never processed, e.g. {never[0]}"


@ex12.check(points=1, hint="Before each item, look at context.get_remaining_time_in_millis(); when it is under "
                           "500, return {\"done\": False, \"next\": <position of that item>}.")
def one_call_stops_in_time(ns):
    items = _items("one", 20)
    done, following = _step(ns, items, 0, 1)
    assert not done, (f"20 items of 0.1 s cannot all be done within the 2 s timeout, but the call answered "
                      f"done with next={following}")
    assert 0 < following < len(items), (f"the call returned next={following}: it should be the position of the "
                                        f"first item it did not process, between 1 and {len(items) - 1}")
    processed = [_times(ns, item) for item in items]
    assert processed == [1] * following + [0] * (len(items) - following), (
        f"the call returned next={following}, so items 0 to {following - 1} should have been processed once and "
        f"the others not at all; the table counts {processed}")


@ex12.check(points=2, hint="Start at event.get(\"next\", 0), not at 0, and return the position of the first item "
                           "you did not process.")
def the_job_does_every_item_once(ns):
    items = _items("job", 24)
    calls = _run_job(ns, items)
    assert calls >= 2, (f"the job of {len(items)} items of 0.1 s was done in one call, within a timeout of 2 s? "
                        f"Deploy {FUNCTION} with the timeout the exercise gives")
    _expect_each_once(ns, items, f"driven to the end in {calls} calls")


def _with_timeout(ns, seconds: int, run) -> None:
    """Run ``run()`` with the function's timeout set to ``seconds``, then put the original back."""
    ns.function(FUNCTION)
    lam = ns.lab.client("lambda")
    original = lam.get_function_configuration(FunctionName=FUNCTION)["Timeout"]
    lam.update_function_configuration(FunctionName=FUNCTION, Timeout=seconds)
    lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    try:
        run()
    finally:
        lam.update_function_configuration(FunctionName=FUNCTION, Timeout=original)
        lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)


@ex12.check(points=1, hidden=True)
def works_with_a_one_second_timeout(ns):
    def run():
        items = _items("short", 12)
        calls = _run_job(ns, items)
        _expect_each_once(ns, items, f"with a timeout of 1 s, driven to the end in {calls} calls")
    _with_timeout(ns, 1, run)


@ex12.check(points=1, hidden=True)
def uses_the_time_a_long_timeout_gives(ns):
    def run():
        items = _items("long", 15)
        done, following = _step(ns, items, 0, 1)
        assert done and following == len(items), (
            f"with a timeout of {_LONG_TIMEOUT_S} s, 15 items of about 0.1 s fit in one call, but it stopped at "
            f"next={following}: process items for as long as the time left allows, not a fixed number")
        _expect_each_once(ns, items, f"with a timeout of {_LONG_TIMEOUT_S} s, in one call")
    _with_timeout(ns, _LONG_TIMEOUT_S, run)


@ex12.check(points=1, hidden=True)
def a_finished_job_does_nothing(ns):
    items = _items("finished", 6)
    done, following = _step(ns, items, len(items), 1)
    assert done and following == len(items), (
        f"called with a checkpoint at the end (next={len(items)} of {len(items)} items) it answered "
        f"done={done}, next={following}; expected done=true, next={len(items)}")
    processed = [i for i in items if _times(ns, i)]
    assert not processed, f"called with a finished checkpoint, it processed {len(processed)} item(s) anyway"
