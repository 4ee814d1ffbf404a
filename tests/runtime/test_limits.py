"""Memory, CPU and payload limits behave as AWS's do."""

from __future__ import annotations

import pytest

from tests.conftest import python_function
from lambda_lab.errors import InvalidRequestContentError, RequestEntityTooLargeError
from lambda_lab.runtime.limits import cpu_share

HOG = """
chunks = []
def handler(event, context):
    for _ in range(event["mb"] // 10):
        chunks.append(bytearray(10 * 1024 * 1024))
    return len(chunks)
"""


def test_going_over_the_memory_size_kills_the_runtime_as_aws_does(service):
    service.create_function(python_function("hog", HOG, memory_mb=128, timeout_s=10))
    result = service.invoke("hog", b'{"mb": 400}')
    assert result.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed",
    }
    assert result.max_memory_mb == 128  # AWS reports the limit it killed at
    assert "Max Memory Used: 128 MB" in result.logs and "Error Type: Runtime.ExitError" in result.logs
    assert service.invoke("hog", b'{"mb": 0}').cold is True


def test_max_memory_used_reflects_what_the_handler_allocated(service):
    service.create_function(python_function("grow", HOG, memory_mb=512, timeout_s=10))
    small = service.invoke("grow", b'{"mb": 0}')
    large = service.invoke("grow", b'{"mb": 200}')
    assert large.error is None
    assert large.max_memory_mb >= small.max_memory_mb + 180
    assert f"Max Memory Used: {large.max_memory_mb} MB" in large.logs


SPIN = """
def handler(event, context):
    total = 0
    for i in range(event["n"]):
        total += i * i
    return total
"""


def test_a_cpu_bound_handler_runs_slower_at_128_mb_than_at_1769_mb(service):
    # AWS: CPU is proportional to memory; 1,769 MB is one vCPU, 128 MB about 7% of one.
    service.create_function(python_function("small", SPIN, memory_mb=128, timeout_s=60))
    service.create_function(python_function("full", SPIN, memory_mb=1769, timeout_s=60))
    payload = b'{"n": 1500000}'
    service.invoke("small", b'{"n": 1}')
    service.invoke("full", b'{"n": 1}')
    small = min(service.invoke("small", payload).duration_ms for _ in range(2))
    full = min(service.invoke("full", payload).duration_ms for _ in range(2))
    expected = 1 / cpu_share(128)  # ~13.8x
    assert small / full > expected / 3, f"128 MB took {small:.0f} ms, 1769 MB took {full:.0f} ms"


def test_init_is_not_cpu_throttled(service):
    # AWS gives INIT full CPU; at 128 MB a heavy import would otherwise take seconds.
    service.create_function(python_function("heavy", "import boto3\ndef handler(e, c):\n    return 1\n",
                                            memory_mb=128))
    result = service.invoke("heavy")
    assert result.error is None
    assert result.init_ms < 5000


def test_an_event_over_6_mb_is_refused_before_anything_runs(service):
    service.create_function(python_function("echo", "def handler(e, c):\n    return e\n"))
    with pytest.raises(RequestEntityTooLargeError, match="smaller than 6291456 bytes"):
        service.invoke("echo", b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert service.environments("echo") == []


def test_an_event_over_1_mb_is_refused_for_asynchronous_calls(service):
    service.create_function(python_function("echo", "def handler(e, c):\n    return e\n"))
    with pytest.raises(RequestEntityTooLargeError, match="1048576"):
        service.invoke("echo", b'"' + b"x" * (1024 * 1024 + 1) + b'"', asynchronous=True)


def test_an_event_that_is_not_json_is_refused_with_awss_code(service):
    service.create_function(python_function("echo", "def handler(e, c):\n    return e\n"))
    with pytest.raises(InvalidRequestContentError) as caught:
        service.invoke("echo", b"{not json")
    assert caught.value.aws_code == "InvalidRequestContentException"


def test_the_unprivileged_process_limit_counts_threads_as_the_kernel_does():
    # RLIMIT_NPROC counts every task (thread) of the user: a limit computed from processes alone
    # left no headroom once another program of the same user held many threads.
    import os
    import threading

    from lambda_lab.runtime._pids import user_tasks

    def growth_with_60_threads() -> int:
        before = user_tasks(os.getuid())
        release = threading.Event()
        threads = [threading.Thread(target=release.wait) for _ in range(60)]
        for thread in threads:
            thread.start()
        try:
            return user_tasks(os.getuid()) - before
        finally:
            release.set()
            for thread in threads:
                thread.join()

    # Other programs of the same user start and end threads meanwhile (a shared machine): the count
    # must grow by our 60 threads in at least one of a few samples; a process count grows by 0.
    growths = [growth_with_60_threads() for _ in range(5)]
    assert max(growths) >= 60, growths
