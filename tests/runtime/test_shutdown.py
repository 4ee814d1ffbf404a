"""No worker process outlives the service: not after close(), not after the lab's process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil

from tests.conftest import python_function
from lambda_lab.runtime import LambdaService

SLEEPY = "import time\ndef handler(e, c):\n    time.sleep(e.get('sleep', 0))\n    return 1\n"


def wait_gone(pids, seconds=5.0):
    deadline = time.monotonic() + seconds
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.05)
    return alive


def worker_pids(service, name, qualifier="$LATEST"):
    return [env._process.pid for env in service.environments(name, qualifier)]


def test_close_leaves_no_worker_behind(clock):
    svc = LambdaService(clock=clock)
    svc.create_function(python_function("a", SLEEPY))
    svc.create_function(python_function("b", SLEEPY))
    svc.invoke("a")
    svc.invoke("b")
    version = svc.publish_version("a")
    svc.set_provisioned_concurrency("a", version, 2)
    pids = worker_pids(svc, "a") + worker_pids(svc, "b") + worker_pids(svc, "a", version)
    assert len(pids) == 4 and all(psutil.pid_exists(pid) for pid in pids)
    root = svc.root

    svc.close()

    assert wait_gone(pids) == []
    assert not root.exists()


def test_closing_a_service_mid_invocation_kills_the_busy_worker(clock):
    import threading
    svc = LambdaService(clock=clock)
    svc.create_function(python_function("busy", SLEEPY, timeout_s=30))
    thread = threading.Thread(target=lambda: svc.invoke("busy", b'{"sleep": 20}'))
    thread.start()
    deadline = time.monotonic() + 10
    while not svc.environments("busy") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    pids = worker_pids(svc, "busy")
    svc.close()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert wait_gone(pids) == []


PARENT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from tests.conftest import python_function
    from lambda_lab.runtime import LambdaService
    svc = LambdaService()
    svc.create_function(python_function("a", "def handler(e, c):\\n    return 1\\n"))
    svc.invoke("a")
    version = svc.publish_version("a")
    svc.set_provisioned_concurrency("a", version, 1)
    pids = [env._process.pid for q in ("$LATEST", version) for env in svc.environments("a", q)]
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(600)
""")


def test_a_killed_parent_leaves_no_worker_behind():
    # The Jupyter kernel can be killed outright (Kernel > Restart, or the OOM killer).
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(root=root)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert wait_gone(pids) == []
