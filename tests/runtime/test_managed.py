"""Lambda Managed Instances in the Lambda service, as AWS documents it.

- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html:
  an environment runs many requests at once and is never frozen; it is ready once a worker has
  called /next; a request past its timeout gets its timeout error but its code goes on running
  ("Lambda doesn't enforce timeouts"); $LATEST is not invocable, versions are.
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-python-runtime.html: the
  Python runtime runs one process per concurrent request (AWS_LAMBDA_MAX_CONCURRENCY of them), so
  globals are per process, while /tmp is shared by all of them; 16 requests per vCPU by default.
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html: a version's
  MinExecutionEnvironments (3 by default) start when it is published; when every environment is
  busy Lambda throttles (429) while it scales out, up to MaxExecutionEnvironments.
- The CreateFunction checks: memory of at least 2,048 MB ("Lambda Managed Instance functions must
  have memory size greater than or equal to 2048"); Python 3.13 or later.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from lambda_lab.errors import InvalidParameterValueError, ResourceConflictError, TooManyRequestsError
from lambda_lab.runtime.managed import ManagedSettings
from tests.conftest import python_function, worker_processes
from tests.runtime.test_concurrency import invoke_concurrently

PROVIDER = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:lab"

HANDLER = """
import json, os, threading, time

PID = os.getpid()
COUNT = 0
TICKS = 0

def tick():
    global TICKS
    while True:
        TICKS += 1
        time.sleep(0.01)

threading.Thread(target=tick, daemon=True).start()
print("init in", PID, flush=True)

def handler(event, context):
    global COUNT
    COUNT += 1
    started = time.time()
    time.sleep(event.get("sleep", 0))
    if event.get("exit") is not None:
        os._exit(event["exit"])
    if event.get("mb"):
        hog = b"x" * (event["mb"] * 1024 * 1024)
    tmp = os.environ.get("TMPDIR", "/tmp")
    if event.get("write"):
        with open(os.path.join(tmp, event["write"]), "w") as f:
            f.write(str(PID))
    print("handled in", PID, flush=True)
    return {"pid": PID, "count": COUNT, "ticks": TICKS, "started": started, "ended": time.time(),
            "files": sorted(os.listdir(tmp)), "request": context.aws_request_id,
            "max_concurrency": os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"),
            "initialization_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")}
"""


def managed(service, name="mi", source=HANDLER, *, workers=4, environments=1, timeout_s=5, memory_mb=2048):
    settings = ManagedSettings(PROVIDER, max_concurrency=workers, min_environments=environments,
                               max_environments=environments)
    service.create_function(python_function(name, source, runtime="python3.13", memory_mb=memory_mb,
                                            timeout_s=timeout_s, managed=settings))
    return service.publish_version(name)


def test_one_environment_runs_requests_side_by_side_each_in_its_own_process(service):
    version = managed(service, workers=4)
    results, throttles = invoke_concurrently(service, "mi", 4, b'{"sleep": 0.5}', version)
    assert throttles == []
    bodies = [r.json() for r in results]
    assert len({r.environment_id for r in results}) == 1              # one environment...
    assert len({body["pid"] for body in bodies}) == 4                 # ...four worker processes
    # Side by side: every request started before any of them ended.
    assert max(body["started"] for body in bodies) < min(body["ended"] for body in bodies)
    assert {body["max_concurrency"] for body in bodies} == {"4"}
    assert {body["initialization_type"] for body in bodies} == {"lambda-managed-instances"}
    assert all(r.cold is False and r.init_ms is None for r in results)  # INIT ran at publish


def test_globals_belong_to_one_process_but_tmp_is_shared(service):
    version = managed(service, workers=2)
    results, _ = invoke_concurrently(service, "mi", 2, b'{"sleep": 0.3}', version)
    first, second = sorted((r.json() for r in results), key=lambda body: body["pid"])
    assert first["count"] == second["count"] == 1   # a global counter counts per process
    written = service.invoke("mi", json.dumps({"write": "shared.txt"}), version).json()
    later, _ = invoke_concurrently(service, "mi", 2, b'{"sleep": 0.3}', version)
    assert all("shared.txt" in r.json()["files"] for r in later)   # every process sees the file
    assert {r.json()["pid"] for r in later} == {first["pid"], second["pid"]}
    assert written["pid"] in (first["pid"], second["pid"])


def test_an_environment_is_never_frozen_between_requests(service):
    version = managed(service, workers=1)
    before = service.invoke("mi", b"{}", version).json()
    time.sleep(0.5)
    after = service.invoke("mi", b"{}", version).json()
    # A background thread started in INIT ran while no request did (a standard environment is
    # frozen between requests, so there it would barely have moved).
    assert after["ticks"] - before["ticks"] >= 20


def test_latest_cannot_be_invoked_and_versions_start_at_publish(service):
    version = managed(service, workers=2, environments=2)
    with pytest.raises(InvalidParameterValueError, match=r"\$LATEST cannot be invoked"):
        service.invoke("mi", b"{}")
    pool = service.managed_pool("mi", version)
    assert len(pool.environments) == 2 and all(env.free == 2 for env in pool.environments)
    assert "init in" in pool.init_output


def test_every_worker_busy_is_throttled_with_429_then_lambda_scales_out(service):
    settings = ManagedSettings(PROVIDER, max_concurrency=2, min_environments=1, max_environments=2)
    service.create_function(python_function("mi", HANDLER, runtime="python3.13", memory_mb=2048,
                                            timeout_s=5, managed=settings))
    version = service.publish_version("mi")
    results, throttles = invoke_concurrently(service, "mi", 3, b'{"sleep": 0.6}', version)
    assert len(results) == 2 and len(throttles) == 1
    assert throttles[0].http_status == 429 and throttles[0].aws_code == "TooManyRequestsException"
    pool = service.managed_pool("mi", version)
    deadline = time.monotonic() + 10
    while len(pool.environments) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(pool.environments) == 2                       # scaled out, up to the maximum...
    results, throttles = invoke_concurrently(service, "mi", 4, b'{"sleep": 0.3}', version)
    assert len(results) == 4 and throttles == []             # ...so four fit now


def test_a_timeout_answers_the_caller_but_the_code_goes_on_running(service):
    version = managed(service, workers=2, timeout_s=1)
    env = service.managed_pool("mi", version).environments[0]
    late = service.invoke("mi", b'{"sleep": 2.5, "write": "late.txt"}', version)
    assert late.error["errorType"] == "Sandbox.Timedout"
    assert late.error["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert env.free == 1                 # its worker still runs that request...
    assert service.invoke("mi", b"{}", version).error is None    # ...while the other serves
    deadline = time.monotonic() + 5
    while env.free < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert env.free == 2
    assert "late.txt" in service.invoke("mi", b"{}", version).json()["files"]  # it did finish


def test_a_crashed_worker_fails_its_own_request_only(service):
    version = managed(service, workers=3)
    barrier = threading.Barrier(3)
    out = {}

    def call(key, body):
        barrier.wait()
        out[key] = service.invoke("mi", json.dumps(body), version)

    threads = [threading.Thread(target=call, args=(key, body)) for key, body in
               (("crash", {"sleep": 0.2, "exit": 3}), ("a", {"sleep": 0.5}), ("b", {"sleep": 0.5}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    crash = out["crash"]
    assert crash.error == {"errorType": "Runtime.ExitError", "errorMessage":
                           f"RequestId: {crash.request_id} Error: Runtime exited with error: exit status 3"}
    assert out["a"].error is None and out["b"].error is None
    assert crash.environment_id == out["a"].environment_id == out["b"].environment_id
    assert service.invoke("mi", b"{}", version).error is None


def test_going_over_the_memory_size_kills_a_worker(service):
    version = managed(service, workers=2, timeout_s=20)
    result = service.invoke("mi", b'{"mb": 2300}', version)
    assert result.error == {"errorType": "Runtime.ExitError", "errorMessage":
                            f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"}
    assert service.invoke("mi", b"{}", version).error is None


def test_an_init_failure_fails_the_version(service):
    version = managed(service, source="raise RuntimeError('no database')\ndef handler(e, c): return 1\n")
    with pytest.raises(ResourceConflictError, match="Failed.*no database"):
        service.invoke("mi", b"{}", version)
    pool = service.managed_pool("mi", version)
    assert pool.environments == []
    assert pool.init_error["errorType"] == "RuntimeError" and pool.init_error["errorMessage"] == "no database"
    deadline = time.monotonic() + 5
    while worker_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker_processes() == []       # every worker of the failed version is gone


def test_scaling_config_starts_and_stops_environments(service):
    version = managed(service, workers=1, environments=1)
    pool = service.managed_pool("mi", version)
    settings = service.set_scaling("mi", version, 3, 3)
    assert (settings.min_environments, settings.max_environments) == (3, 3)
    assert len(pool.environments) == 3
    service.set_scaling("mi", version, 1, 1)
    assert len(pool.environments) == 1
    assert service.invoke("mi", b"{}", version).error is None


def test_logs_are_json_with_the_platform_events(service):
    version = managed(service, workers=1)
    result = service.invoke("mi", b"{}", version)
    events = [json.loads(line) for line in result.logs.splitlines() if line.startswith("{")]
    assert [event["type"] for event in events] == ["platform.start", "platform.runtimeDone", "platform.report"]
    assert events[-1]["record"]["metrics"]["memorySizeMB"] == 2048
    assert "handled in" in result.logs


@pytest.mark.parametrize("changes, message", [
    ({"memory_mb": 1024}, "must have memory size greater than or equal to 2048"),
    ({"runtime": "python3.12"}, "python3.13 or later"),
])
def test_aws_refuses_what_managed_instances_cannot_run(service, changes, message):
    config = dict(runtime="python3.13", memory_mb=2048, managed=ManagedSettings(PROVIDER))
    config.update(changes)
    with pytest.raises(InvalidParameterValueError, match=message):
        service.create_function(python_function("mi", HANDLER, **config))


def test_the_default_concurrency_is_sixteen_per_vcpu():
    settings = ManagedSettings(PROVIDER)
    assert settings.concurrency("python", 2048) == 16        # 2 GiB per vCPU: one vCPU
    assert settings.concurrency("python", 8192) == 64
    assert ManagedSettings(PROVIDER, memory_gib_per_vcpu=4).concurrency("python", 8192) == 32


def test_a_throttle_at_the_maximum_says_to_raise_it(service):
    version = managed(service, workers=1, environments=1)
    results, throttles = invoke_concurrently(service, "mi", 2, b'{"sleep": 0.4}', version)
    assert len(throttles) == 1 and "MaxExecutionEnvironments (1)" in str(throttles[0])
    assert "scaling out" not in str(throttles[0])
