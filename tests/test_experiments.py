"""Power tuning and traffic simulation run real invocations and teach what AWS would show."""

from __future__ import annotations

import pytest

from lambda_lab import Lab, traffic
from lambda_lab.errors import InvalidParameterValueError

SPIN = """
def handler(event, context):
    total = 0
    for i in range(event.get("n", 10)):
        total += i
    return total
"""


@pytest.fixture(scope="module")
def lab():
    with Lab.local(concurrency_limit=5) as lab:
        yield lab


def test_power_tuning_shows_cpu_bought_by_memory_and_restores_the_setting(lab):
    fn = lab.deploy("tuned", code=SPIN, handler="app.handler", memory_mb=256, timeout_s=30)
    result = lab.power_tune(fn, {"n": 300_000}, memory=[128, 512, 1769], runs=3)
    by_size = {row["memory_mb"]: row for row in result.rows}
    assert set(by_size) == {128, 512, 1769}
    assert by_size[128]["duration_ms"] > 3 * by_size[1769]["duration_ms"]   # ~7% of a vCPU vs one vCPU
    assert all(row["cold_init_ms"] is not None and row["errors"] == 0 for row in result.rows)
    assert result.cheapest in result.rows and result.fastest in result.rows
    assert result.fastest["memory_mb"] != 128
    assert len(result.invocations) == 3 * 4 and "cheapest at" in result.summary()
    assert "<table>" in result._repr_html_() and list(result.table["memory_mb"]) == [128, 512, 1769]
    assert fn.configuration["MemorySize"] == 256


@pytest.mark.parametrize("kwargs, words", [({"memory": [64]}, "from 128"), ({"memory": []}, "at least one"),
                                           ({"runs": 0}, "at least 1")])
def test_power_tuning_refuses_bad_settings(lab, kwargs, words):
    fn = lab.deploy("untuned", code=SPIN, handler="app.handler")
    with pytest.raises(InvalidParameterValueError, match=words):
        lab.power_tune(fn, {}, **kwargs)


def test_steady_traffic_sees_cold_starts_in_well_under_one_percent_of_calls(lab):
    fn = lab.deploy("steady", code=SPIN, handler="app.handler")
    result = lab.simulate(fn, traffic.steady(rate_per_s=2, duration_s=300))
    assert result.requests == 600 and result.throttles == 0
    assert result.cold_start_rate < 0.01
    assert result.simulated_s >= 299 and result.cost is not None


def test_sparse_traffic_sees_a_cold_start_on_nearly_every_call(lab):
    fn = lab.deploy("sparse", code=SPIN, handler="app.handler")
    result = lab.simulate(fn, traffic.sparse(every_s=900, duration_s=3 * 3600))   # idle 15 min > keep-alive
    assert result.requests == 12 and result.cold_start_rate > 0.9


def test_provisioned_concurrency_removes_the_cold_starts_at_a_price(lab):
    fn = lab.deploy("warmed", code=SPIN, handler="app.handler")
    version = fn.publish_version()
    fn.set_provisioned_concurrency(1, qualifier=version)
    result = lab.simulate(fn, traffic.sparse(every_s=900, duration_s=3 * 3600), qualifier=version)
    assert result.cold_starts == 0
    assert any(line.component == "provisioned_concurrency" and line.usd > 0 for line in result.cost.lines)


def test_a_burst_past_the_concurrency_limit_is_throttled(lab):
    fn = lab.deploy("bursty", code="import time\ndef handler(e, c):\n    time.sleep(0.3)\n", handler="app.handler")
    result = lab.simulate(fn, traffic.burst(12))
    assert result.throttles >= 12 - 5 and result.environments <= 5


@pytest.mark.parametrize("pattern, count", [
    (traffic.steady(5, 10), 50), (traffic.sparse(60, 600), 10), (traffic.burst(7, at_s=3), 7),
])
def test_traffic_patterns_have_the_expected_arrivals(pattern, count):
    assert len(pattern) == count and pattern == sorted(pattern)


def test_random_patterns_are_repeatable_with_a_seed_and_stay_in_their_window():
    assert traffic.poisson(3, 100, seed=1) == traffic.poisson(3, 100, seed=1)
    day = traffic.diurnal(2, 86_400, seed=4)
    assert all(0 <= t < 86_400 for t in day) and 0.2 * 2 * 86_400 < len(day) < 0.8 * 2 * 86_400


def test_bad_traffic_is_refused():
    with pytest.raises(InvalidParameterValueError):
        traffic.steady(0, 10)
    with pytest.raises(InvalidParameterValueError):
        traffic.burst(0)


def test_a_slow_init_does_not_make_steady_traffic_look_concurrent(lab):
    # One cold start with a 0.3 s INIT must not make every later arrival look like an overlap.
    fn = lab.deploy("slow-init", code="import time\ntime.sleep(0.3)\n" + SPIN, handler="app.handler")
    result = lab.simulate(fn, traffic.steady(rate_per_s=5, duration_s=120))
    # The first call takes INIT (0.3 s) plus the worker's start-up, and arrivals come every 0.2 s,
    # so the second and, on a loaded machine, the third arrive while it is still running and start
    # environments of their own, as on AWS. After that one environment keeps up: no cold start
    # past the first second of traffic, and none of the 600 is throttled.
    cold = [n for n, invocation in enumerate(result.invocations) if invocation.cold]
    assert result.throttles == 0 and cold and max(cold) < 5, cold
    assert result.environments == result.cold_starts <= 4


def test_a_simulations_direct_calls_read_as_the_apis_do(lab):
    # simulate() calls an in-process service directly (direct_invoker); each Invocation must say what
    # one made through Invoke says: the same fields, the REPORT, the environment, the version.
    fn = lab.deploy("twins", code=SPIN, handler="app.handler")
    through_api = fn.invoke({"n": 1})
    direct = lab.backend.direct_invoker()
    from lambda_lab.invocation import Invocation
    straight = Invocation.from_result(direct("twins", b'{"n": 1}', None))
    assert straight.payload == through_api.payload and straight.error is None
    assert straight.environment == through_api.environment          # the same warm environment
    assert straight.executed_version == through_api.executed_version == "$LATEST"
    assert "REPORT RequestId: " + straight.request_id in straight.logs and not straight.cold
    assert (straight.memory_mb, straight.status_code) == (through_api.memory_mb, through_api.status_code)
    broken = lab.deploy("twin-errors", code="def handler(e, c):\n    raise ValueError('no')\n", handler="app.handler")
    api_error, direct_error = broken.invoke({}), Invocation.from_result(direct("twin-errors", b"{}", None))
    assert api_error.error["errorType"] == direct_error.error["errorType"] == "ValueError"
    assert api_error.function_error == direct_error.function_error == "Unhandled"
