"""Starting worker processes so that none outlives the lab.

Each worker gets its own process group (so freeze, throttle and kill reach the processes it
starts) and, on Linux, PR_SET_PDEATHSIG: if the lab's process dies, even by SIGKILL, the kernel
kills the worker. The death signal fires when the *thread* that forked the worker exits, so all
workers are forked by one long-lived thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import queue
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import IO, Callable

__all__ = ["spawn_worker"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class _Spawner:
    def __init__(self) -> None:
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="lambda-worker-spawner", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            future, kwargs = self._requests.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(subprocess.Popen(**kwargs))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    future.set_exception(exc)

    def spawn(self, **kwargs) -> subprocess.Popen:
        future: Future = Future()
        self._requests.put((future, kwargs))
        return future.result()


_spawner: _Spawner | None = None
_spawner_lock = threading.Lock()


def spawn_worker(argv: list[str], *, env: dict[str, str], cwd: str, output: IO[bytes],
                 in_child: Callable[[], None] | None = None, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """Start a worker in its own session, stdin closed, stdout and stderr into ``output``.

    ``in_child`` runs in the worker between fork and exec (e.g. joining its process limit);
    ``pass_fds`` stay open in it (a SnapStart zygote's control socket).
    """
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = _Spawner()
    linux = sys.platform.startswith("linux")

    def preexec() -> None:
        if linux:
            _die_with_parent()
        if in_child is not None:
            in_child()

    return _spawner.spawn(args=argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output,
                          stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, pass_fds=pass_fds,
                          preexec_fn=preexec if (linux or in_child) else None)
