"""A SnapStart snapshot: one published version's INIT, done once, and the restores made from it.

AWS (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html and
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html):

- Lambda runs INIT when you publish a version with ``SnapStart: {ApplyOn: PublishedVersions}``, runs
  the before-snapshot hooks, and snapshots the environment. INIT may take 130 s or the function's
  timeout, whichever is longer; the hooks count against it.
- Each new execution environment of that version is restored from the snapshot; the runtime loads
  and the after-restore hooks run, within 10 s, or the invocation fails with
  ``SnapStartTimeoutException``. A failing after-restore hook gives ``SnapStartException``.

Here the snapshot is the initialised runtime itself, kept as a *zygote* that forks one copy per
restore (``snapstart_boot.py`` says how, and what that departs from). This module starts the zygote,
waits for its INIT, keeps one spare copy forked ahead and bounded in a process limit of its own,
hands spares their restore orders, and tracks the copies: they are the zygote's children, not the
lab's, so their exit codes come back over the control socket.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import psutil

from ..clock import Clock
from . import logs
from ._pids import ProcessLimit
from ._spawn import spawn_worker
from .api import NoInvocations, RuntimeApiServer
from .environment import EnvironmentSpec, worker_environment
from ..errors import SnapStartError
from .limits import signal_group

__all__ = ["Snapshot", "SnapshotInit", "RestoredProcess", "snapshot_init_timeout_s", "RESTORE_TIMEOUT_S"]

RESTORE_TIMEOUT_S = 10.0        # AWS: the runtime loads and the after-restore hooks finish within 10 s
_FORK_WAIT_S = 5.0
_ENVIRONMENT_TAG = re.compile(r"lambda-lab-env/([0-9a-f]+)")


def snapshot_init_timeout_s(timeout_s: float) -> float:
    """AWS: INIT at snapshot time may run 130 s or the configured timeout, whichever is longer."""
    return max(130.0, float(timeout_s))


@dataclass
class SnapshotInit:
    """How the snapshot's INIT went: what INIT_START .. INIT_REPORT say at PublishVersion."""

    ok: bool
    init_ms: float
    output: str
    error: dict | None = None     # the runtime's init error document (or the lab's, for a timeout)
    status: str | None = None     # "error" or "timeout" when not ok
    log_stream: str = ""

    def log_lines(self, runtime: str, region: str) -> list[str]:
        lines = [logs.init_start_line(runtime, region)]
        if self.output:
            lines.append(self.output.rstrip("\n"))
        error_type = (self.error or {}).get("errorType")
        lines.append(logs.init_report_line(self.init_ms, phase="init", status="success" if self.ok else self.status,
                                           error_type=None if self.ok else error_type))
        return lines


class _ZygoteApi(NoInvocations):
    """The Runtime API as the zygote sees it: it only ever reports an INIT error (it is never invoked)."""

    def __init__(self) -> None:
        self.error: dict | None = None

    def init_error(self, body: bytes, error_type: str | None) -> None:
        from .environment import _error_document
        self.error = _error_document(body, error_type)

    def restore_next(self) -> bool:
        return True

    def restore_error(self, body: bytes, error_type: str | None) -> None:
        pass


class Snapshot:
    """One version's snapshot. ``take()`` runs INIT; ``restore()`` forks a copy for a new environment."""

    def __init__(self, spec: EnvironmentSpec, *, scratch_root: Path, clock: Clock):
        self.spec = spec
        self.id = f"snapshot-{time.monotonic_ns():x}"
        self._scratch = Path(scratch_root) / self.id
        self._clock = clock
        self.log_stream = logs.log_stream_name(clock.now(), spec.version, self.id[-32:].rjust(32, "0"))
        self.init: SnapshotInit | None = None
        self._api = _ZygoteApi()
        self._server: RuntimeApiServer | None = None
        self._process = None
        self._pids: ProcessLimit | None = None
        self._control: socket.socket | None = None
        self._zygote_env: dict[str, str] = {}
        self._state = threading.Condition()
        self._ready = False
        self._spares: list[_Spare] = []      # copies forked ahead, inside their own process limits
        self._pending = 0                      # spares asked for and not yet forked
        self._exits: dict[int, int] = {}
        self._closed = False                   # the zygote is gone (deleted, or killed)
        self._deleted = False                  # ...because the lab deleted the snapshot
        self._revive_lock = threading.Lock()
        self._take_lock = threading.Lock()
        self._restored: weakref.WeakValueDictionary = weakref.WeakValueDictionary()   # environment id -> env

    @property
    def tmp(self) -> Path:
        return self._scratch / "tmp"

    @property
    def ready(self) -> bool:
        return self.init is not None and self.init.ok and not self._closed

    # -- INIT, at PublishVersion ------------------------------------------------------------

    def take(self) -> SnapshotInit:
        """Run INIT and the before-snapshot hooks; keep the result. Idempotent, and safe to call at once
        from several threads (PublishVersion and a first invoke): INIT runs once."""
        with self._take_lock:
            if self.init is None:
                self.init = self._take()
            return self.init

    def _take(self) -> SnapshotInit:
        for sub in ("tmp", "home"):
            (self._scratch / sub).mkdir(parents=True, exist_ok=True)
        output_path = self._scratch / "output.log"
        self._server = RuntimeApiServer(self._api, route=self._route)
        lab_end, zygote_end = socket.socketpair()
        self._control = lab_end
        launch = self.spec.runtime.behind("snapstart_boot.py", zygote_end.fileno(), self.spec.launch())
        self._zygote_env = worker_environment(self.spec, self._scratch, launch.environment, self._server.address,
                                              initialization_type="snap-start", log_stream=self.log_stream)
        self._pids = ProcessLimit(self.id, self.spec.max_processes)
        started = time.perf_counter()
        try:
            with open(output_path, "ab") as output:
                self._process = spawn_worker(launch.argv, env=self._zygote_env, cwd=str(self.spec.code_dir),
                                             output=output, in_child=self._pids.preexec,
                                             pass_fds=(zygote_end.fileno(),))
        finally:
            zygote_end.close()
        threading.Thread(target=self._read_control, name=f"{self.id}-control", daemon=True).start()
        deadline = started + snapshot_init_timeout_s(self.spec.timeout_s)
        with self._state:
            while not self._ready and self._api.error is None and self._process.poll() is None:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    break
                self._state.wait(min(0.05, remaining))
            ready = self._ready
        init_ms = (time.perf_counter() - started) * 1000
        text = output_path.read_text(errors="replace").replace("\r", "\n") if output_path.exists() else ""
        if ready:
            # Ready for the first cold start when PublishVersion answers: one spare forked and bounded.
            self._request_spare()
            with self._state:
                self._wait_for_spare()
            return SnapshotInit(ok=True, init_ms=init_ms, output=text, log_stream=self.log_stream)
        if self._api.error is not None:
            error, status = self._api.error, "error"
        elif self._process.poll() is not None:
            code = self._process.poll()
            error = {"errorType": "Runtime.ExitError",
                     "errorMessage": f"Error: Runtime exited with error: exit status {code}"}
            status = "error"
        else:
            limit = snapshot_init_timeout_s(self.spec.timeout_s)
            error = {"errorType": "Sandbox.Timedout",
                     "errorMessage": f"Init timed out after {limit:.0f} seconds (SnapStart's INIT limit)."}
            status = "timeout"
        self.close()
        return SnapshotInit(ok=False, init_ms=init_ms, output=text, error=error, status=status,
                            log_stream=self.log_stream)

    def _route(self, user_agent: str):
        """A restored copy's request, sent to the snapshot's address, goes to its own environment."""
        tag = _ENVIRONMENT_TAG.search(user_agent)
        return self._restored.get(tag.group(1)) if tag else None

    def _read_control(self) -> None:
        control = self._control
        buffered, channels = b"", []
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(control, 65536, 64)
            except OSError:
                data, fds = b"", []
            channels += fds
            if not data:
                break
            buffered += data
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                word, *rest = line.decode().split()
                with self._state:
                    if word == "ready":
                        self._ready = True
                    elif word == "forked":
                        spare = _Spare(int(rest[0]), socket.socket(fileno=channels.pop(0)))
                        self._pending -= 1
                        threading.Thread(target=self._bound, args=(spare,), name=f"{self.id}-bound",
                                         daemon=True).start()
                    elif word == "exit":
                        self._exits[int(rest[0])] = int(rest[1])
                    self._state.notify_all()
        with self._state:
            self._closed = True
            self._state.notify_all()

    def _bound(self, spare: "_Spare") -> None:
        """Put a spare copy in a process limit of its own, ahead of the environment that will use it."""
        spare.limit = ProcessLimit(f"{self.id}-{spare.pid}", self.spec.max_processes)
        try:
            spare.limit.adopt(spare.pid)
        except (OSError, psutil.Error):
            pass   # it is gone already: the environment that takes it reports how it ended
        with self._state:
            if self._closed:
                spare.close()
            else:
                self._spares.append(spare)
            self._state.notify_all()

    def _wait_for_spare(self) -> bool:
        """With ``_state`` held: wait until a spare is ready (True), or the zygote is gone or late."""
        deadline = time.perf_counter() + _FORK_WAIT_S
        while not self._spares and not self._closed and time.perf_counter() < deadline:
            self._state.wait(0.01)
        return bool(self._spares)

    def _request_spare(self) -> None:
        with self._state:
            if self._closed:
                return
            self._pending += 1
        try:
            self._control.sendall(b"spare\n")
        except OSError:
            pass

    # -- restores -------------------------------------------------------------------------

    def restore(self, env, *, scratch: Path, output_path: Path, environment: dict[str, str]) -> "RestoredProcess":
        """Hand a spare copy to a new environment ``env``: its /tmp is the snapshot's, its variables its own."""
        self._revive_if_lost()
        if not self.ready:
            raise SnapStartError("This version's snapshot is not available: publish the version again.")
        self._request_spare()   # the one that will replace the spare this restore takes
        with self._state:
            if not self._wait_for_spare():
                raise SnapStartError("Lambda could not restore the snapshot: its runtime did not answer. "
                                     "Invoke again; if it persists, publish a new version.")
            spare = self._spares.pop(0)
            self._restored[env.id] = env
        changed = {k: v for k, v in environment.items() if self._zygote_env.get(k) != v}
        unset = [k for k in self._zygote_env if k not in environment]
        # The snapshot holds the disk as well as memory: what INIT wrote to /tmp is there.
        shutil.copytree(self.tmp, scratch / "tmp", dirs_exist_ok=True)
        order = {"environment_id": env.id, "output": str(output_path), "environment": changed, "unset": unset,
                 "tmp": [str(self.tmp), str(scratch / "tmp")]}
        return RestoredProcess(self, spare.pid, spare.limit, spare.channel, order)

    def exit_code(self, pid: int) -> int | None:
        with self._state:
            return self._exits.get(pid)

    def wait_exit(self, pid: int, timeout_s: float) -> int | None:
        deadline = time.perf_counter() + timeout_s
        with self._state:
            while pid not in self._exits and not self._closed and time.perf_counter() < deadline:
                self._state.wait(0.02)
            return self._exits.get(pid)

    def _revive_if_lost(self) -> None:
        """AWS keeps several copies of each snapshot; here, a zygote that died (a handler can signal its
        parent) is replaced by running INIT again, before the restore that needs it."""
        with self._revive_lock:
            with self._state:
                lost = self._closed and not self._deleted and self.init is not None and self.init.ok
            if not lost:
                return
            self._teardown()
            with self._state:
                self.init, self._ready, self._closed, self._pending = None, False, False, 0
                self._api = _ZygoteApi()
            init = self.take()
        if not init.ok:
            raise SnapStartError(f"Lambda could not recreate this version's snapshot: INIT failed with "
                                 f"{(init.error or {}).get('errorType')}. Publish a new version.")

    def close(self) -> None:
        """Delete the snapshot: the zygote exits, and the kernel ends its copies with it."""
        with self._state:
            self._closed = self._deleted = True
            self._state.notify_all()
        self._teardown()

    def _teardown(self) -> None:
        if self._control is not None:
            try:
                self._control.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._control.close()
        if self._process is not None:
            signal_group(self._process.pid, 9)
            try:
                self._process.wait(timeout=5)
            except Exception:  # noqa: BLE001 - a zombie we cannot reap is not worth failing over
                pass
        if self._pids is not None:
            self._pids.close()
        with self._state:
            spares, self._spares = self._spares, []
        for spare in spares:
            spare.close()
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


@dataclass
class _Spare:
    """A copy forked ahead of need: idle, in a process limit of its own, waiting on its channel."""

    pid: int
    channel: socket.socket
    limit: ProcessLimit | None = None

    def close(self) -> None:
        self.channel.close()   # the copy exits when its channel closes unused
        if self.limit is not None:
            self.limit.close()


class RestoredProcess:
    """A restored environment's worker, as much of ``subprocess.Popen`` as an environment uses.

    Its parent is the zygote, which reaps it and reports the exit code; until then liveness is read
    from /proc.
    """

    def __init__(self, snapshot: Snapshot, pid: int, limit: ProcessLimit | None, channel: socket.socket,
                 order: dict):
        self._snapshot = snapshot
        self.pid = pid
        self.limit = limit   # the environment's process limit, which the copy is already in
        self._channel, self._order = channel, order
        try:
            self._proc: psutil.Process | None = psutil.Process(pid)
        except psutil.Error:
            self._proc = None

    def release(self) -> None:
        """Send the copy its restore order: it runs from here on. Its environment must be ready for
        its Runtime API calls by then (it makes the first within milliseconds)."""
        try:
            self._channel.sendall(json.dumps(self._order).encode() + b"\n")
        except OSError:
            pass   # the spare died meanwhile: the environment sees a dead process and says so
        self._channel.close()

    def poll(self) -> int | None:
        code = self._snapshot.exit_code(self.pid)
        if code is not None:
            return code
        try:
            if self._proc is not None and self._proc.is_running() and self._proc.status() != psutil.STATUS_ZOMBIE:
                return None
        except psutil.Error:
            pass
        # Gone: the zygote's report is on its way (or the zygote is gone too, and took it along).
        code = self._snapshot.wait_exit(self.pid, 1.0)
        return -9 if code is None else code

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = time.perf_counter() + (timeout if timeout is not None else 3600)
        while time.perf_counter() < deadline:
            code = self.poll()
            if code is not None:
                return code
            time.sleep(0.01)
        return None
