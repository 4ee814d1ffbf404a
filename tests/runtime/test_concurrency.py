"""Scaling out, throttling at the limits, and provisioned concurrency."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import python_function
from lambda_lab.errors import InvalidParameterValueError, TooManyRequestsError
from lambda_lab.runtime import LambdaService

SLEEPY = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return context.aws_request_id
"""


def invoke_concurrently(service, name, count, payload=b'{"sleep": 1.0}', qualifier="$LATEST"):
    """Fire ``count`` calls at once; return (results, throttles)."""
    results, throttles, lock = [], [], threading.Lock()
    barrier = threading.Barrier(count)

    def call():
        barrier.wait()
        try:
            r = service.invoke(name, payload, qualifier)
            with lock:
                results.append(r)
        except TooManyRequestsError as exc:
            with lock:
                throttles.append(exc)

    threads = [threading.Thread(target=call) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, throttles


def test_concurrent_calls_scale_out_one_environment_each(service):
    service.create_function(python_function("wide", SLEEPY, timeout_s=10))
    results, throttles = invoke_concurrently(service, "wide", 3)
    assert throttles == []
    assert len({r.environment_id for r in results}) == 3
    assert all(r.cold for r in results)


def test_calls_past_reserved_concurrency_are_throttled(service):
    service.create_function(python_function("narrow", SLEEPY, timeout_s=10))
    service.put_reserved_concurrency("narrow", 2)
    results, throttles = invoke_concurrently(service, "narrow", 4)
    assert len(results) == 2 and len(throttles) == 2
    assert throttles[0].aws_code == "TooManyRequestsException" and throttles[0].http_status == 429
    assert throttles[0].reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert str(throttles[0]).startswith("Rate Exceeded.")


def test_reserved_concurrency_of_zero_throttles_every_call(service):
    service.create_function(python_function("off", SLEEPY))
    service.put_reserved_concurrency("off", 0)
    with pytest.raises(TooManyRequestsError):
        service.invoke("off")


def test_calls_past_the_account_limit_are_throttled(clock):
    with LambdaService(clock=clock, concurrency_limit=2) as svc:
        svc.create_function(python_function("a", SLEEPY, timeout_s=10))
        results, throttles = invoke_concurrently(svc, "a", 3)
        assert len(results) == 2 and len(throttles) == 1
        assert throttles[0].reason == "ConcurrentInvocationLimitExceeded"


def test_sequential_calls_never_throttle_at_a_limit_of_one(service):
    service.create_function(python_function("serial", SLEEPY))
    service.put_reserved_concurrency("serial", 1)
    results = [service.invoke("serial") for _ in range(20)]
    assert sum(r.cold for r in results) == 1


def test_reserving_more_than_the_account_has_is_refused(service):
    service.create_function(python_function("greedy", SLEEPY))
    with pytest.raises(InvalidParameterValueError, match="UnreservedConcurrentExecution"):
        service.put_reserved_concurrency("greedy", 11)


def test_provisioned_environments_are_initialised_ahead_and_serve_warm(service):
    service.create_function(python_function("ready", SLEEPY, timeout_s=10))
    version = service.publish_version("ready")
    assert service.set_provisioned_concurrency("ready", version, 2) == 2
    assert len(service.environments("ready", version)) == 2

    results, throttles = invoke_concurrently(service, "ready", 2, payload=b'{"sleep": 0.3}', qualifier=version)
    assert throttles == []
    assert [r.cold for r in results] == [False, False]
    assert all(r.init_ms is None and "Init Duration" not in r.logs for r in results)
    # Past the provisioned environments, calls spill over to on-demand ones, which start cold.
    results, _ = invoke_concurrently(service, "ready", 3, payload=b'{"sleep": 0.3}', qualifier=version)
    assert sorted(r.cold for r in results) == [False, False, True]


def test_provisioned_environments_are_not_reclaimed_when_idle(service, clock):
    service.create_function(python_function("kept", SLEEPY))
    version = service.publish_version("kept")
    service.set_provisioned_concurrency("kept", version, 1)
    clock.advance(3600)
    service.reclaim_idle()
    assert service.invoke("kept", qualifier=version).cold is False


def test_provisioned_concurrency_on_latest_is_refused(service):
    service.create_function(python_function("latest", SLEEPY))
    with pytest.raises(InvalidParameterValueError, match="publish a version"):
        service.set_provisioned_concurrency("latest", "$LATEST", 1)
