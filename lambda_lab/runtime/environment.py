"""One execution environment: a worker process, its Runtime API server, and its limits.

The lifecycle is AWS's (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
INIT (start the runtime, import the handler's module) ends when the runtime first asks for an
event; each INVOKE hands it one event; between invocations the environment is *frozen*, so its
background threads stall; a timeout, a crash or a memory kill ends it (SHUTDOWN).
"""

from __future__ import annotations

import enum
import json
import math
import os
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping


from ..clock import Clock
from ..errors import SnapStartError, SnapStartTimeoutError
from . import logs
from ._pids import AWS_PROCESS_LIMIT, ProcessLimit
from ._spawn import spawn_worker
from .api import PendingInvocation, RuntimeApiServer
from .extensions import SHUTDOWN_LIMIT_S, ExtensionSet, external_extensions, shutdown_deadline_ms, wait_until
from .limits import (INIT_TIMEOUT_S, STREAM_CAPPED_BYTES_PER_S, STREAM_PAYLOAD_LIMIT, STREAM_UNCAPPED_BYTES,
                     SYNC_PAYLOAD_LIMIT, CpuGovernor, ProcessProbe, cpu_share, kill_tree, signal_group)
from .runtimes import CustomRuntime, PythonRuntime, Runtime, WorkerLaunch

if TYPE_CHECKING:
    from .snapshot import Snapshot

__all__ = ["EnvironmentSpec", "EnvironmentState", "ExecutionEnvironment", "Outcome"]

_TICK_S = 0.02                 # how often a running invocation's memory and process are checked
_TREE_EVERY = 5                # ...and its child processes (a /proc scan), every this many ticks
_MAX_OUTPUT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class EnvironmentSpec:
    """Everything an environment needs to know about the function version it runs."""

    function_name: str
    version: str
    function_arn: str
    memory_mb: int
    timeout_s: int
    runtime: Runtime
    handler: str
    code_dir: Path
    opt_dir: Path | None
    runtime_site: Path | None  # the Python runtime's own packages (runtime_site)
    region: str
    variables: Mapping[str, str] = field(default_factory=dict)
    base_environment: Mapping[str, str] = field(default_factory=dict)
    max_processes: int = AWS_PROCESS_LIMIT
    log_format: str = "Text"
    application_log_level: str = "INFO"
    log_group_name: str | None = None
    snap_start: bool = False   # a published version with SnapStart: its environments are restored copies

    def launch(self) -> WorkerLaunch:
        """How the runtime starts a worker for this version."""
        return self.runtime.launch(handler=self.handler, code_dir=self.code_dir, opt_dir=self.opt_dir,
                                   runtime_site=self.runtime_site)

    @property
    def log_group(self) -> str:
        return self.log_group_name or f"/aws/lambda/{self.function_name}"


class EnvironmentState(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"        # frozen, waiting for an event
    BUSY = "busy"
    DEAD = "dead"


@dataclass
class Outcome:
    """What happened in the environment during one invocation."""

    request_id: str
    payload: bytes | None
    error: dict | None
    status: str | None           # REPORT's Status: None when normal, "error", "timeout"
    error_type: str | None
    cold: bool
    init_ms: float | None
    duration_ms: float
    max_memory_mb: int
    output: str                  # what the runtime wrote during this invocation
    init_output: str = ""        # what it wrote during INIT (cold starts only)
    init_status: str | None = None  # INIT_REPORT's Status when INIT did not succeed
    restore_ms: float | None = None        # a SnapStart restore: REPORT's Restore Duration instead of Init
    billed_restore_ms: int | None = None   # ...and Billed Restore Duration (the after-restore hooks)

    @property
    def function_error(self) -> str | None:
        return "Unhandled" if self.error is not None else None


class ExecutionEnvironment:
    """A worker process serving one invocation at a time, frozen in between."""

    def __init__(self, spec: EnvironmentSpec, *, scratch_root: Path, clock: Clock, governor: CpuGovernor,
                 provisioned: bool = False, snapshot: "Snapshot | None" = None):
        self.spec = spec
        self.snapshot = snapshot   # SnapStart: this environment is a restored copy of it
        self.id = uuid.uuid4().hex
        self.provisioned = provisioned
        self.tenant_id: str | None = None   # a PER_TENANT function's environment serves one tenant only
        self.log_stream = logs.log_stream_name(clock.now(), spec.version, self.id)
        self.state = EnvironmentState.STARTING
        self.invocations = 0
        self.last_used = clock.now()
        self.closed_reason: str | None = None
        self._clock = clock
        self._governor = governor
        self._scratch = Path(scratch_root) / self.id
        self._output_path = self._scratch / "output.log"
        self._output_offset = 0
        self._cond = threading.Condition()
        self._waiting_for_event = False
        self._initialized = False
        self._init_error: dict | None = None
        self._init_ms: float | None = None
        self._pending: PendingInvocation | None = None
        self._handed: PendingInvocation | None = None   # the one the runtime is working on
        self._streamed_bytes, self._stream_started = 0, 0.0
        self._current: str | None = None
        self._result: tuple[str, bytes | dict, float] | None = None
        self._closing = False
        self._process = None
        self._probe: ProcessProbe | None = None
        self._pids: ProcessLimit | None = None
        self._server: RuntimeApiServer | None = None
        self._spawned_at = 0.0
        self._restore_called_at: float | None = None
        self._restore_error: dict | None = None
        self._billed_restore_ms: int | None = None
        #: The Extensions API's side of this environment (extensions.py); None for a SnapStart restore.
        self.extensions: ExtensionSet | None = None

    # -- INIT -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker (the INIT phase begins). Returns at once; see :meth:`wait_initialized`."""
        for sub in ("tmp", "home"):
            (self._scratch / sub).mkdir(parents=True, exist_ok=True)
        self._server = RuntimeApiServer(self)
        launch = self.spec.launch()
        if self.snapshot is not None:
            self._restore(launch)
            return
        self._spawned_at = time.perf_counter()
        if not launch.argv:  # a custom runtime without an executable bootstrap
            message = CustomRuntime.missing_bootstrap_message(self.spec.code_dir, self.spec.opt_dir)
            self.init_error(json.dumps({"errorType": "Runtime.InvalidEntrypoint",
                                        "errorMessage": message}).encode(), None)
            return
        self._pids = ProcessLimit(self.id, self.spec.max_processes)
        self.extensions = ExtensionSet(self._cond, describe=self._described, on_settled=self._settled)
        self._start_extensions(launch)
        if self._pids.cgroup is not None and isinstance(self.spec.runtime, PythonRuntime):
            self._start_gated(launch)
            return
        with open(self._output_path, "ab") as output:
            self._process = spawn_worker(launch.argv, env=self._worker_environment(launch.environment),
                                         cwd=str(self.spec.code_dir), output=output, in_child=self._pids.preexec)
        self._probe = ProcessProbe(self._process.pid)

    def _start_extensions(self, launch: WorkerLaunch) -> None:
        """External extensions (/opt/extensions): each its own process, in the environment's limit."""
        found = external_extensions(self.spec.opt_dir)
        if not found:
            return
        environment = self._worker_environment(launch.environment)
        with open(self._output_path, "ab") as output:
            for path in found:
                process = spawn_worker([str(path)], env=environment, cwd=str(self.spec.code_dir), output=output,
                                       in_child=self._pids.preexec)
                self.extensions.started(path.name, process)

    def _described(self) -> dict:
        """What Lambda answers an extension's register call."""
        return {"functionName": self.spec.function_name, "functionVersion": self.spec.version,
                "handler": self.spec.handler}

    def _settled(self) -> None:
        """Under the condition: the runtime or an extension asked for its next event. Once all of
        them wait, INIT (or the invocation) is over and the environment freezes."""
        if not self._waiting_for_event or (self.extensions is not None and not self.extensions.all_waiting()):
            return
        if not self._initialized:
            self._initialized = True
            now = time.perf_counter()
            self._init_ms = (now - self._spawned_at) * 1000
            if self.snapshot is not None:   # INIT's place is the restore's: _init_ms is its duration
                hooks_ms = (now - (self._restore_called_at or self._spawned_at)) * 1000
                self._billed_restore_ms = max(1, math.ceil(hooks_ms))
            if self.extensions is not None:
                self.extensions.registration_open = False
                self.extensions.ready()
        # AWS freezes the environment once the runtime and every extension ask for the next event.
        self._freeze()
        self._cond.notify_all()

    def _start_gated(self, launch: WorkerLaunch) -> None:
        """A Python worker starts its interpreter while the lab moves it into its cgroup (gate_boot.py)."""
        gate_r, gate_w = os.pipe()
        try:
            launch = self.spec.runtime.behind("gate_boot.py", gate_r, launch)
            with open(self._output_path, "ab") as output:
                self._process = spawn_worker(launch.argv, env=self._worker_environment(launch.environment),
                                             cwd=str(self.spec.code_dir), output=output, pass_fds=(gate_r,))
            os.close(gate_r)
            gate_r = -1
            self._probe = ProcessProbe(self._process.pid)
            try:
                self._pids.adopt(self._process.pid)
            except OSError:
                self._kill()   # no bound, no run: the worker never passed its gate
                raise
            os.write(gate_w, b"1")
        finally:
            if gate_r >= 0:
                os.close(gate_r)
            os.close(gate_w)

    def _restore(self, launch: WorkerLaunch) -> None:
        """A SnapStart cold start: a copy of the version's snapshot, with this environment's own variables."""
        self._spawned_at = time.perf_counter()
        restored = self.snapshot.restore(self, scratch=self._scratch, output_path=self._output_path,
                                         environment=self._worker_environment(launch.environment))
        self._process, self._pids = restored, restored.limit   # the copy was forked ahead, already inside it
        self._probe = ProcessProbe(restored.pid)
        restored.release()   # only now: its first Runtime API call finds this environment ready

    def _worker_environment(self, runtime_env: Mapping[str, str]) -> dict[str, str]:
        if self.spec.snap_start:
            initialization_type = "snap-start"
        else:
            initialization_type = "provisioned-concurrency" if self.provisioned else "on-demand"
        return worker_environment(self.spec, self._scratch, runtime_env, self._server.address,
                                  initialization_type=initialization_type, log_stream=self.log_stream)

    def wait_initialized(self, timeout_s: float = INIT_TIMEOUT_S) -> bool:
        """Wait for INIT to end. True when the runtime is ready for its first event."""
        deadline = time.perf_counter() + timeout_s
        with self._cond:
            while (not self._initialized and self._init_error is None and self._restore_error is None
                   and not self._closing):
                failed = self.extensions.failure() if self.extensions is not None else None
                if failed is not None:
                    self._init_error = failed
                    break
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or not self._alive():
                    break
                self._cond.wait(min(_TICK_S * 5, remaining))
            if self._initialized:
                self.state = EnvironmentState.IDLE
            return self._initialized

    @property
    def init_ms(self) -> float | None:
        return self._init_ms

    # -- the Runtime API's side (called on the server's threads) ----------------------------

    def restore_next(self) -> bool:
        """The restored runtime's ``GET /runtime/restore/next``: it is loaded; the after-restore hooks run next."""
        if self.snapshot is not None and self._restore_called_at is None:
            self._restore_called_at = time.perf_counter()
        return True

    def restore_error(self, body: bytes, error_type: str | None) -> None:
        with self._cond:
            self._restore_error = _error_document(body, error_type)
            self._cond.notify_all()

    def next_invocation(self) -> PendingInvocation | None:
        with self._cond:
            self._waiting_for_event = True
            self._settled()
            self._cond.notify_all()
            while self._pending is None and not self._closing:
                self._cond.wait()
            if self._closing:
                return None
            invocation, self._pending = self._pending, None
            self._waiting_for_event = False
            self._handed, self._streamed_bytes, self._stream_started = invocation, 0, time.perf_counter()
            return invocation

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        if len(body) > SYNC_PAYLOAD_LIMIT:
            document = {"errorMessage": f"Response payload size ({len(body)} bytes) exceeded maximum "
                                        f"allowed payload size ({SYNC_PAYLOAD_LIMIT} bytes).",
                        "errorType": "Function.ResponseSizeTooLarge"}
            return self._finish(request_id, ("error", document))
        return self._finish(request_id, ("response", body))

    def invocation_error(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        return self._finish(request_id, ("error", _error_document(body, error_type)))

    def invocation_chunk(self, request_id: str, chunk: bytes, content_type: str) -> bool:
        """One chunk of a streamed response, handed to the caller now, at AWS's streaming speed.

        The first 6 MB go at full speed, the rest at 2 MB/s; past 200 MB the response is cut with
        Function.ResponseSizeTooLarge. The wait holds the runtime's own write, as a slow stream does.
        """
        invocation = self._handed
        if invocation is None or invocation.request_id != request_id or self._result is not None:
            return False
        self._streamed_bytes += len(chunk)
        if self._streamed_bytes > STREAM_PAYLOAD_LIMIT:
            self._finish(request_id, ("error", {
                "errorMessage": f"Response payload size exceeded maximum allowed payload size "
                                f"({STREAM_PAYLOAD_LIMIT} bytes).", "errorType": "Function.ResponseSizeTooLarge"}))
            return False
        capped = self._streamed_bytes - STREAM_UNCAPPED_BYTES
        if capped > 0:
            due = self._stream_started + capped / STREAM_CAPPED_BYTES_PER_S
            time.sleep(max(0.0, due - time.perf_counter()))
        if invocation.on_chunk is not None:
            invocation.on_chunk(chunk, content_type)
        return True

    def invocation_streamed(self, request_id: str, body: bytes) -> bool:
        return self._finish(request_id, ("response", body))

    def init_error(self, body: bytes, error_type: str | None) -> None:
        with self._cond:
            self._init_error = _error_document(body, error_type)
            self._cond.notify_all()

    def _finish(self, request_id: str, result: tuple[str, bytes | dict]) -> bool:
        with self._cond:
            if request_id != self._current or self._result is not None:
                return False
            self._result = (*result, time.perf_counter())
            self._cond.notify_all()
            return True

    # -- INVOKE ---------------------------------------------------------------------------

    def invoke(self, invocation: PendingInvocation) -> Outcome:
        """Run one invocation to its end. A learner's failure is returned, never raised."""
        self.state = EnvironmentState.BUSY
        cold = self.invocations == 0 and not self.provisioned
        self.invocations += 1
        self.last_used = self._clock.now()
        if not self._initialized:
            # INIT's output is read once, when INIT has ended: a read before it would take the lines
            # written so far (a fast SnapStart restore's hook output) away from the cold start's log.
            init_output, failed = self._finish_init(invocation)
            if failed is not None:
                return failed
        else:
            init_output = self._read_output() if self.invocations == 1 else ""
        init_ms = self._init_ms if cold and self.snapshot is None else None
        with self._cond:
            self._current, self._result = invocation.request_id, None
            self._thaw()
        if self.extensions is not None and self.extensions.subscriptions:
            # The telemetry buffered while the environment was frozen goes out now that it runs,
            # before the event (departure: AWS delivers it alongside the invocation).
            self.extensions.flush()
        with self._cond:
            self._pending = invocation
            if self.extensions is not None:
                self.extensions.invoke({
                    "eventType": "INVOKE", "deadlineMs": int((time.time() + self.spec.timeout_s) * 1000),
                    "requestId": invocation.request_id, "invokedFunctionArn": invocation.function_arn,
                    "tracing": {"type": "X-Amzn-Trace-Id", "value": invocation.trace_id}})
            self._cond.notify_all()
        if self._process is not None:
            self._governor.track(self._process.pid, self._probe, cpu_share(self.spec.memory_mb))
        outcome = self._await_outcome(invocation, cold, init_ms)
        outcome.init_output = init_output
        if cold and self.snapshot is not None:
            outcome.restore_ms, outcome.billed_restore_ms = self._init_ms, self._billed_restore_ms
        self.last_used = self._clock.now()
        return outcome

    def _finish_init(self, invocation: PendingInvocation) -> tuple[str, Outcome | None]:
        """A cold start: wait for INIT (AWS allows 10 s) and turn its failure into the invocation's."""
        if self.snapshot is not None:
            return self._finish_restore(), None
        ready = self.wait_initialized(max(0.0, INIT_TIMEOUT_S - (time.perf_counter() - self._spawned_at)))
        if not ready and self._init_error is None and self._alive():
            # AWS retries a too-slow INIT within the invocation's own timeout; we let this one go on
            # for that long instead of starting it again.
            ready = self.wait_initialized(self.spec.timeout_s)
        output = self._read_output()
        if ready:
            return output, None
        elapsed_ms = (time.perf_counter() - self._spawned_at) * 1000
        if self._init_error is not None:
            document, status = dict(self._init_error), "error"
        elif not self._alive():
            document, status = self._exit_error(invocation.request_id), "error"
        else:
            document, status = _timeout_document(self._clock.now(), invocation.request_id, self.spec.timeout_s), "timeout"
        if "stackTrace" in document:  # a Python runtime's document carries the request it failed
            document["requestId"] = invocation.request_id
        self.close("init failed")
        return output, Outcome(request_id=invocation.request_id, payload=None, error=document, status=status,
                               error_type=document.get("errorType"), cold=True, init_ms=elapsed_ms,
                               duration_ms=0.0, max_memory_mb=0, output="", init_output=output,
                               init_status=status)

    def _finish_restore(self) -> str:
        """A SnapStart cold start: the runtime loads and the after-restore hooks run, within 10 s.

        Failing that, the *invocation call* fails, with SnapStartException or SnapStartTimeoutException
        (AWS's Invoke errors, not function errors); the environment is discarded.
        """
        from .snapshot import RESTORE_TIMEOUT_S
        ready = self.wait_initialized(max(0.0, RESTORE_TIMEOUT_S - (time.perf_counter() - self._spawned_at)))
        output = self._read_output()
        if ready:
            return output
        # A copy that could not even load reports through init/error; either way the restore failed.
        error, alive = self._restore_error or self._init_error, self._alive()
        self.close("restore failed")
        shown = f" Its log: {output.strip()[-1500:]}" if output.strip() else ""
        if error is not None or not alive:
            detail = f"{error.get('errorType')}: {error.get('errorMessage')}" if error else self._exit_reason()
            raise SnapStartError(
                f"The after-restore runtime hook failed ({detail}). Fix the @register_after_restore hook "
                f"and publish a new version.{shown}")
        raise SnapStartTimeoutError(
            f"Lambda couldn't restore the snapshot within the timeout limit: the runtime must load and the "
            f"after-restore hooks finish within {RESTORE_TIMEOUT_S:.0f} s. Move slow work out of "
            f"@register_after_restore.{shown}")

    def _await_outcome(self, invocation: PendingInvocation, cold: bool, init_ms: float | None) -> Outcome:
        started = time.perf_counter()
        deadline = started + self.spec.timeout_s
        peak_mb, ticks, ended = 0.0, 0, None
        with self._cond:
            while True:
                if self._result is not None:
                    kind, value, finished = self._result
                    break
                now = time.perf_counter()
                ticks += 1
                peak_mb = max(peak_mb, self._probe.tree_rss_mb(children=ticks % _TREE_EVERY == 0))
                if peak_mb > self.spec.memory_mb:
                    ended = "memory"
                elif not self._alive():
                    ended = "exit"
                elif now >= deadline:
                    ended = "timeout"
                if ended:
                    kind, value, finished = None, None, now
                    break
                self._cond.wait(min(_TICK_S, deadline - now))
            duration_ms = (finished - started) * 1000
            if ended is None:
                # The runtime has answered; it is done once it asks for the next event.
                while not self._waiting_for_event and self._alive() and time.perf_counter() < deadline:
                    self._cond.wait(_TICK_S)
                if self.extensions is not None and self.extensions.external:
                    # The invoke phase (its Duration, its timeout) ends when every extension is done too.
                    while (not self.extensions.all_waiting() and self._alive() and self.extensions.crashed() is None
                           and time.perf_counter() < deadline):
                        self._cond.wait(_TICK_S)
                    if not self.extensions.all_waiting():
                        ended = "timeout" if time.perf_counter() >= deadline else "extension"
                    duration_ms = (time.perf_counter() - started) * 1000
        self._governor.untrack(self._process.pid)
        peak_mb = max(peak_mb, self._probe.peak_rss_mb())
        if ended is None and peak_mb > self.spec.memory_mb:
            ended = "memory"  # it went over between two looks: AWS would have killed it
        return self._outcome(invocation, ended, kind, value, cold, init_ms, duration_ms, peak_mb)

    def _outcome(self, invocation, ended, kind, value, cold, init_ms, duration_ms, peak_mb) -> Outcome:
        request_id = invocation.request_id
        if ended is None and not self._waiting_for_event:
            # The runtime answered, then died or never asked for the next event: the answer
            # stands (the invocation was complete), and the environment is retired.
            self._kill()
        output = self._read_output()  # before any close(): it removes the scratch directory
        payload, error, status = None, None, None
        if ended == "timeout":
            # AWS discards an environment after a timeout; the next request is a cold start.
            error, status = _timeout_document(self._clock.now(), request_id, self.spec.timeout_s), "timeout"
            output += error["errorMessage"] + "\n"
        elif ended == "extension":  # an extension exited mid-invocation: Lambda resets the environment
            crashed = self.extensions.crashed()
            error, status = {"errorType": "Extension.Crash", "errorMessage":
                             f"RequestId: {request_id} Error: extension {crashed.name if crashed else ''} exited "
                             f"(exit status {crashed.process.poll() if crashed else '?'})"}, "error"
            output += f"{error['errorMessage']}\n{error['errorType']}\n"
        elif ended is not None:  # out of memory, or the runtime exited mid-invocation
            self._kill()  # a memory kill is SIGKILL, as on AWS; the exit code is read below
            error, status = self._exit_error(request_id), "error"
            output += f"{error['errorMessage']}\n{error['errorType']}\n"
            if ended == "memory":
                peak_mb = self.spec.memory_mb  # AWS never reports more than the memory size
        elif kind == "response":
            payload = value
        else:
            error = value
            if "stackTrace" in error:
                error["requestId"] = request_id
        if ended is not None or not self._alive():
            self.close(ended or "runtime exited after answering")
        elif self.state is not EnvironmentState.DEAD:
            self.state = EnvironmentState.IDLE
        return Outcome(request_id=request_id, payload=payload, error=error, status=status,
                       error_type=error.get("errorType") if ended else None, cold=cold, init_ms=init_ms,
                       duration_ms=duration_ms, max_memory_mb=int(round(peak_mb)), output=output)

    def _exit_error(self, request_id: str) -> dict:
        return {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {self._exit_reason()}"}

    def _exit_reason(self) -> str:
        return exit_reason(self._process.poll() if self._process is not None else None)

    # -- freezing, output, shutdown ----------------------------------------------------------

    def _freeze(self) -> None:
        if self._process is not None:
            self._governor.untrack(self._process.pid)
            signal_group(self._process.pid, signal.SIGSTOP)
        if self.extensions is not None:
            self.extensions.signal(signal.SIGSTOP)

    def _thaw(self) -> None:
        if self._process is not None:
            signal_group(self._process.pid, signal.SIGCONT)
        if self.extensions is not None:
            self.extensions.signal(signal.SIGCONT)

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _read_output(self) -> str:
        try:
            with open(self._output_path, "rb") as f:
                f.seek(self._output_offset)
                data = f.read(_MAX_OUTPUT_BYTES + 1)
                self._output_offset = f.seek(0, os.SEEK_END)
        except FileNotFoundError:
            return ""
        text = data[:_MAX_OUTPUT_BYTES].decode("utf-8", errors="replace")
        if len(data) > _MAX_OUTPUT_BYTES:
            text += f"\n[lambda_lab: output past {_MAX_OUTPUT_BYTES // (1024 * 1024)} MB not shown]\n"
        # awslambdaric ends the lines of one multi-line record with \r (one CloudWatch event).
        return text.replace("\r", "\n")

    def _kill(self) -> None:
        if self.extensions is not None:
            self.extensions.kill()
        if self._process is None:
            return
        kill_tree(self._process)

    def close(self, reason: str = "closed") -> None:
        """SHUTDOWN: kill the worker and everything it started; idempotent."""
        with self._cond:
            if self.state is EnvironmentState.DEAD:
                return
            self.state = EnvironmentState.DEAD
            self.closed_reason = reason
            graceful = self._initialized and self.extensions is not None and bool(self.extensions.external)
        if graceful:
            self._shut_down_gracefully()
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._process is not None:
            self._governor.untrack(self._process.pid)
        self._kill()
        if self._pids is not None:
            self._pids.close()
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _shut_down_gracefully(self) -> None:
        """The Shutdown phase with external extensions: SIGTERM to the runtime, SHUTDOWN to each
        extension registered for it, 2,000 ms for all of them, then (in close) SIGKILL."""
        with self._cond:
            self._thaw()
        started = time.perf_counter()
        self.extensions.flush(wait_s=SHUTDOWN_LIMIT_S / 2)   # what the last invocation's telemetry left
        with self._cond:
            if self._alive():
                signal_group(self._process.pid, signal.SIGTERM)
            told = self.extensions.shutdown_event(shutdown_deadline_ms(time.time()))
            left = max(0.0, SHUTDOWN_LIMIT_S - (time.perf_counter() - started))
            wait_until(self._cond, lambda: all(ext.waiting or not ext.alive for ext in told), left)

    def __repr__(self) -> str:
        return (f"ExecutionEnvironment({self.spec.function_name}:{self.spec.version}, id={self.id[:8]}, "
                f"{self.state.value}, invocations={self.invocations})")


def worker_environment(spec: EnvironmentSpec, scratch: Path, runtime_env: Mapping[str, str], runtime_api: str, *,
                       initialization_type: str, log_stream: str) -> dict[str, str]:
    """The variables a worker starts with: AWS's runtime variables, then the function's own."""
    opt = spec.opt_dir
    lib_dirs = [str(spec.code_dir), str(spec.code_dir / "lib")] + ([str(opt / "lib")] if opt else [])
    environment = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin") + (f":{opt / 'bin'}" if opt else ""),
        "LD_LIBRARY_PATH": os.pathsep.join(lib_dirs),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        # Departure from AWS: /tmp is a scratch directory per environment, found through
        # TMPDIR (tempfile honours it); code that hard-codes "/tmp" writes to the host's /tmp.
        "TMPDIR": str(scratch / "tmp"),
        "HOME": str(scratch / "home"),
        # The lab's own AWS config and credentials files stay out of the handler's reach.
        "AWS_CONFIG_FILE": str(scratch / "home" / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "home" / "no-aws-credentials"),
        **spec.base_environment,
        **runtime_env,
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime.name}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "_HANDLER": spec.handler,
    }
    if spec.snap_start:
        # "The AWS_LAMBDA_LOG_GROUP_NAME and AWS_LAMBDA_LOG_STREAM_NAME environment variables are not
        # available in Lambda SnapStart functions." (snapstart-monitoring.html)
        del environment["AWS_LAMBDA_LOG_GROUP_NAME"], environment["AWS_LAMBDA_LOG_STREAM_NAME"]
    if spec.log_format == "JSON":
        # What Lambda sets for LoggingConfig JSON; awslambdaric then formats and filters the records.
        environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        environment["AWS_LAMBDA_LOG_LEVEL"] = spec.application_log_level
    environment.update(spec.variables)  # the function's own variables (reserved keys are refused earlier)
    return environment


_SIGNAL_WORDS = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
                 signal.SIGTERM: "terminated", signal.SIGBUS: "bus error", signal.SIGILL: "illegal instruction",
                 signal.SIGFPE: "floating point exception"}


def exit_reason(code: int | None, reason: str | None = None) -> str:
    """How a runtime process ended, in AWS's words (``Runtime exited with error: signal: killed``):
    from its exit code as ``Popen.returncode`` has it (None: killed, as far as anyone can tell)."""
    if reason is None:
        if code is None:
            reason = "signal: killed"
        elif code < 0:
            reason = f"signal: {_SIGNAL_WORDS.get(-code, signal.Signals(-code).name.lower())}"
        elif code == 0:
            return "Runtime exited without providing a reason"
        else:
            reason = f"exit status {code}"
    return f"Runtime exited with error: {reason}"


def _timeout_document(epoch_s: float, request_id: str, timeout_s: int) -> dict:
    return {"errorMessage": logs.timeout_line(epoch_s, request_id, timeout_s),
            "errorType": "Sandbox.Timedout"}


def _error_document(body: bytes, error_type: str | None) -> dict:
    """The runtime's error body as a dict; a custom runtime may post anything."""
    try:
        document = json.loads(body) if body else {}
    except ValueError:
        document = None
    if not isinstance(document, dict):
        document = {"errorMessage": body.decode("utf-8", errors="replace")}
    document.setdefault("errorType", error_type or "Unhandled")
    document.setdefault("errorMessage", "")
    return document
