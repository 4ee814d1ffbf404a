"""The execution environment lifecycle, as AWS documents it: INIT once, warm reuse, freezing,
idle reclaim, and a fresh environment after a failure."""

from __future__ import annotations

import re
import time


from tests.conftest import python_function

COUNTER = """
import json
count = 0

def handler(event, context):
    global count
    count += 1
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    return {"statusCode": 200, "body": json.dumps({"count": count, "name": event.get("name", "World")})}
"""


def count_of(result) -> int:
    import json
    return json.loads(result.json()["body"])["count"]


def test_first_call_is_cold_and_reports_init_then_warm_calls_reuse_state(service):
    service.create_function(python_function("counter", COUNTER))

    first = service.invoke("counter", b'{"name": "Ada"}')
    second = service.invoke("counter", b"{}")
    third = service.invoke("counter", b"{}")

    assert (first.cold, second.cold, third.cold) == (True, False, False)
    assert [count_of(r) for r in (first, second, third)] == [1, 2, 3]
    assert first.init_ms is not None and first.init_ms > 0
    assert second.init_ms is None and third.init_ms is None
    assert "Init Duration:" in first.logs and "Init Duration:" not in second.logs
    assert first.environment_id == second.environment_id == third.environment_id


def test_billed_duration_includes_init_on_a_cold_start_and_rounds_up_to_1ms(service):
    service.create_function(python_function("billed", COUNTER))
    cold = service.invoke("billed")
    warm = service.invoke("billed")
    assert cold.billed_ms == max(1, -(-round(cold.duration_ms + cold.init_ms, 6) // 1))
    assert cold.billed_ms >= cold.init_ms
    assert warm.billed_ms == max(1, -(-round(warm.duration_ms, 6) // 1))


def test_timeout_discards_the_environment_so_the_next_call_is_cold_with_fresh_state(service):
    service.create_function(python_function("slow", COUNTER, timeout_s=1))
    assert count_of(service.invoke("slow")) == 1
    assert count_of(service.invoke("slow")) == 2

    timed_out = service.invoke("slow", b'{"sleep": 5}')

    assert timed_out.function_error == "Unhandled"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 1\.00 seconds",
                        timed_out.error["errorMessage"])
    assert timed_out.error["errorMessage"].split()[1] == timed_out.request_id
    assert 1000 <= timed_out.duration_ms < 2500
    assert timed_out.billed_ms == 1000  # AWS bills the timeout, not the moment it was noticed
    assert "Status: timeout" in timed_out.logs
    after = service.invoke("slow")
    assert after.cold is True
    assert count_of(after) == 1  # module state did not survive: a new environment


FREEZER = """
import threading, time
ticks = 0

def _tick():
    global ticks
    while True:
        ticks += 1
        time.sleep(0.01)

threading.Thread(target=_tick, daemon=True).start()

def handler(event, context):
    return ticks
"""


def test_background_threads_do_not_run_while_the_environment_is_frozen(service):
    service.create_function(python_function("freezer", FREEZER))
    before = service.invoke("freezer").json()
    time.sleep(0.5)  # ~50 ticks if the environment were running
    after = service.invoke("freezer").json()
    assert after - before < 15, f"the thread ran while frozen: {before} -> {after}"


def test_idle_environments_are_reclaimed_after_the_keep_alive(service, clock):
    service.create_function(python_function("idle", COUNTER))
    first = service.invoke("idle")
    clock.advance(service.keep_alive_s - 1)
    assert service.invoke("idle").cold is False

    clock.advance(service.keep_alive_s)
    service.reclaim_idle()
    assert service.environments("idle") == []
    again = service.invoke("idle")
    assert again.cold is True and again.environment_id != first.environment_id


def test_update_retires_the_old_environments_and_runs_the_new_code(service):
    service.create_function(python_function("updated", "def handler(e, c):\n    return 'v1'\n"))
    assert service.invoke("updated").json() == "v1"
    service.update_function("updated", code=python_function("x", "def handler(e, c):\n    return 'v2'\n").code)
    result = service.invoke("updated")
    assert result.json() == "v2" and result.cold is True


def test_configuration_change_retires_environments(service):
    service.create_function(python_function("reconf", "import os\ndef handler(e, c):\n    return os.environ['COLOR']\n",
                                            environment={"COLOR": "red"}))
    assert service.invoke("reconf").json() == "red"
    service.update_function("reconf", environment={"COLOR": "blue"})
    assert service.invoke("reconf").json() == "blue"


def test_each_environment_has_its_own_scratch_tmp_that_survives_warm_calls(service):
    source = """
    import os, tempfile
    def handler(event, context):
        path = os.path.join(tempfile.gettempdir(), "seen.txt")
        first = not os.path.exists(path)
        open(path, "a").write("x")
        return {"tmp": tempfile.gettempdir(), "first": first}
    """
    service.create_function(python_function("scratch", source))
    one = service.invoke("scratch").json()
    two = service.invoke("scratch").json()
    assert one["first"] is True and two["first"] is False and one["tmp"] == two["tmp"]
    assert one["tmp"] != "/tmp"


def test_the_deadline_counts_from_after_init_on_a_cold_start(service):
    # AWS hands the event over after INIT: a cold call's handler starts with its whole timeout
    # left, however long INIT took (here 1.5 s of a 3 s timeout).
    source = """
    import time
    time.sleep(1.5)
    def handler(event, context):
        return context.get_remaining_time_in_millis()
    """
    service.create_function(python_function("slow-init", source, timeout_s=3))
    cold = service.invoke("slow-init")
    assert cold.cold and cold.init_ms >= 1400
    assert 2500 < cold.json() <= 3000, f"{cold.json()} ms left at the start of a 3 s call"
