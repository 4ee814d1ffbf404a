"""Hostile handlers: whatever a handler does, the call returns AWS's error, the service stays
usable, the next call works (cold where AWS would be cold), and no process is left behind (the
``service`` fixture checks that no worker outlives close())."""

from __future__ import annotations

import json
import os
import time

import psutil
import pytest

from tests.conftest import make_zip, python_function, worker_processes
from lambda_lab.errors import InvalidRequestContentError
from lambda_lab.runtime import FunctionConfig

OK = "def handler(e, c):\n    return 'ok'\n"

# (id, handler body, memory, timeout, expected errorType or None, next call cold?)
CASES = [
    ("infinite-loop", "while True:\n        pass", 128, 1, "Sandbox.Timedout", True),
    ("sleep-past-timeout", "import time\n    time.sleep(30)", 128, 1, "Sandbox.Timedout", True),
    ("os-exit", "import os\n    os._exit(1)", 128, 3, "Runtime.ExitError", True),
    ("sys-exit", "import sys\n    sys.exit(0)", 128, 3, "Runtime.ExitError", True),
    ("segfault", "import ctypes\n    ctypes.string_at(0)", 128, 3, "Runtime.ExitError", True),
    ("keyboard-interrupt", "raise KeyboardInterrupt()", 128, 3, "Runtime.ExitError", True),
    ("base-exception", "raise BaseException('out')", 128, 3, "Runtime.ExitError", True),
    ("allocate-far-past-memory", "x = bytearray(2 * 1024 ** 3)\n    return len(x)", 128, 10, "Runtime.ExitError", True),
    ("slowly-growing-memory", "import time\n    grow = []\n    while True:\n        grow.append(bytearray(4 * 1024 * 1024))\n        time.sleep(0.005)",
     256, 20, "Runtime.ExitError", True),
    ("recursion", "def f(n):\n        return f(n + 1)\n    return f(0)", 128, 3, "RecursionError", False),
    ("not-json", "return {1, 2}", 128, 3, "Runtime.MarshalError", False),
    ("seven-mb-response", "return 'x' * (7 * 1024 * 1024)", 512, 5, "Function.ResponseSizeTooLarge", False),
]


@pytest.mark.parametrize("case_id, body, memory, timeout, error_type, next_cold", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_handler_gets_awss_error_and_the_next_call_works(service, case_id, body, memory, timeout,
                                                                     error_type, next_cold):
    source = f"def handler(event, context):\n    if event.get('hostile'):\n        {body.replace(chr(10), chr(10) + '    ')}\n    return 'ok'\n"
    service.create_function(FunctionConfig("hostile", code=make_zip({"app.py": source}), handler="app.handler",
                                           memory_mb=memory, timeout_s=timeout))
    service.invoke("hostile")                       # warm it up first
    result = service.invoke("hostile", b'{"hostile": true}')
    assert result.function_error == "Unhandled" and result.error["errorType"] == error_type, result.logs[-2000:]
    after = service.invoke("hostile")
    assert after.json() == "ok" and after.cold is next_cold


@pytest.mark.parametrize("handler, error_type", [
    ("app", "Runtime.MalformedHandlerName"),
    ("app.", "Runtime.HandlerNotFound"),
    ("../x.handler", None),          # refused somehow, and nothing outside the package is imported
])
def test_odd_handler_names_fail_at_init(service, handler, error_type):
    service.create_function(FunctionConfig("odd", code=make_zip({"app.py": OK}), handler=handler))
    result = service.invoke("odd")
    assert result.function_error == "Unhandled"
    if error_type:
        assert result.error["errorType"] == error_type


def test_child_processes_do_not_outlive_their_environment(service):
    service.create_function(python_function("parent", """
    import subprocess
    def handler(e, c):
        return subprocess.Popen(["sleep", "300"], start_new_session=e.get("escape", False)).pid
    """))
    stays = service.invoke("parent").json()
    escapes = service.invoke("parent", b'{"escape": true}').json()   # left the process group
    assert psutil.pid_exists(stays) and psutil.pid_exists(escapes)
    for env in service.environments("parent"):
        env.close("test")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in (stays, escapes)):
        time.sleep(0.05)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in (stays, escapes))


def test_printing_100_mb_is_cut_in_the_logs_and_the_call_still_answers(service):
    service.create_function(python_function("loud", """
    import sys
    def handler(e, c):
        chunk = "x" * (1024 * 1024 - 1) + "\\n"
        for _ in range(100):
            sys.stdout.write(chunk)
        return "done"
    """, memory_mb=512, timeout_s=60))
    result = service.invoke("loud")
    assert result.json() == "done"
    assert len(result.logs) < 5 * 1024 * 1024 and "output past 4 MB not shown" in result.logs
    assert service.invoke("loud").cold is False


def test_closing_stdout_and_stderr_does_not_break_the_service(service):
    service.create_function(python_function("mute", """
    import os
    def handler(e, c):
        if e.get("close"):
            os.close(1)
            os.close(2)
        return "quiet"
    """))
    first = service.invoke("mute", b'{"close": true}')
    assert first.json() == "quiet" or first.error["errorType"] == "Runtime.ExitError"
    assert service.invoke("mute").json() == "quiet"


@pytest.mark.parametrize("event", [{"text": "héllo wörld ✓ 😀 \u202e"}, {"data": "AAECAwQF/w=="}, ["a", 1, None, 2.5]])
def test_unicode_and_base64_payloads_round_trip(service, event):
    service.create_function(python_function("echo", "def handler(e, c):\n    return e\n"))
    assert service.invoke("echo", json.dumps(event, ensure_ascii=False).encode()).json() == event


def test_binary_that_is_not_json_is_refused_before_anything_runs(service):
    service.create_function(python_function("echo", "def handler(e, c):\n    return e\n"))
    with pytest.raises(InvalidRequestContentError):
        service.invoke("echo", bytes(range(256)))


def test_a_fork_loop_stops_at_the_environments_process_limit(clock):
    from lambda_lab.runtime import LambdaService
    from lambda_lab.runtime._pids import ProcessLimit
    if not ProcessLimit.available():
        pytest.skip("no way to bound processes here (needs root with a pids cgroup, or a non-root user)")
    fork_loop = """
    import os
    def handler(event, context):
        if event.get("fork"):
            while True:
                try:
                    os.fork()
                except OSError:
                    break
            return "blocked"
        return "ok"
    """
    with LambdaService(clock=clock, max_processes=32) as service:
        service.create_function(python_function("forky", fork_loop, timeout_s=3))
        assert service.invoke("forky").json() == "ok"
        worker = service.environments("forky")[0]._process.pid
        service.invoke("forky", b'{"fork": true}')   # every child answers on one socket: the reply is garbled, as it would be on AWS
        group = [p for p in psutil.process_iter() if _pgid(p.pid) == worker]
        assert 1 < len(group) <= 32, f"{len(group)} processes in the environment"
        for env in service.environments("forky"):
            env.close("test")
        assert service.invoke("forky").json() == "ok"
    assert worker_processes() == []


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None
