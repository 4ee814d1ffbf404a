"""Lambda Managed Instances from the learner API: lab.capacity_provider(), lab.deploy(capacity_provider=...),
fn.publish_version(), fn.set_scaling(); as AWS documents them
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances.html)."""

from __future__ import annotations

import threading

import pytest

from lambda_lab import Lab, LambdaLabError
from lambda_lab.errors import InvalidParameterValueError, NoPublishedVersionError

SLEEPY = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "version": context.function_version}
"""


@pytest.fixture
def lab():
    with Lab.local() as lab:
        yield lab


def burst(fn, count, event):
    results, barrier = [None] * count, threading.Barrier(count)

    def call(i):
        barrier.wait()
        results[i] = fn.invoke(event)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_function_on_instances_from_deploy_to_a_throttle(lab):
    provider = lab.capacity_provider()
    assert lab.capacity_provider() == provider          # found, not made twice
    fn = lab.deploy("on-instances", SLEEPY, capacity_provider="lab-instances", max_concurrency=2)
    config = fn.configuration
    assert (config["Runtime"], config["MemorySize"], config["State"]) == ("python3.13", 2048, "ActiveNonInvocable")
    with pytest.raises(NoPublishedVersionError, match="publish one first"):
        fn.invoke({})
    assert fn.publish_version() == "1"
    assert fn.set_scaling(1) == {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 1}
    results = burst(fn, 3, {"sleep": 0.6})
    served = [r for r in results if not r.throttled]
    assert len(served) == 2 and len({r.payload["pid"] for r in served}) == 2   # two workers, side by side
    assert sum(r.throttled for r in results) == 1                              # the third finds none free
    assert {r.payload["version"] for r in served} == {"1"}                     # $LATEST.PUBLISHED ran


def test_what_managed_instances_cannot_run_is_refused_and_nothing_is_made(lab):
    lab.capacity_provider()
    with pytest.raises(InvalidParameterValueError, match="greater than or equal to 2048"):
        lab.deploy("too-small", SLEEPY, capacity_provider="lab-instances", memory_mb=1024)
    with pytest.raises(LambdaLabError):
        lab.function("too-small")
    with pytest.raises(LambdaLabError, match="create it with lab.capacity_provider"):
        lab.deploy("nowhere", SLEEPY, capacity_provider="missing")


def test_a_provider_is_set_at_creation_only(lab):
    lab.capacity_provider()
    lab.deploy("plain", SLEEPY, runtime="python3.13", memory_mb=2048)
    with pytest.raises(LambdaLabError, match="isn't supported for Lambda Default functions"):
        lab.deploy("plain", SLEEPY, runtime="python3.13", memory_mb=2048, capacity_provider="lab-instances")


def test_teardown_removes_the_functions_then_the_provider(lab):
    provider = lab.capacity_provider()
    lab.deploy("gone", SLEEPY, capacity_provider=provider, max_concurrency=1).publish_version()
    deleted = lab.teardown()
    assert provider in deleted
    assert lab.client("lambda").list_capacity_providers()["CapacityProviders"] == []
