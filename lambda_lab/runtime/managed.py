"""Lambda Managed Instances: execution environments that run many requests at once, and their pool.

AWS: https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html
and https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-python-runtime.html

- INIT: the runtime starts the configured number of workers (Python: one process per concurrent
  request, ``AWS_LAMBDA_MAX_CONCURRENCY``); each runs the function's INIT code; the environment is
  ready once at least one worker has called ``/runtime/invocation/next``.
- INVOKE: the environment is never frozen; requests run side by side, each in its own worker.
- A request that runs past the timeout gets its timeout error, but Lambda "doesn't enforce
  timeouts": its code goes on running and the worker stays busy until it answers; the other
  requests are not disturbed.
- A crashed worker fails its own request; the environment goes on with the workers it has left.
- When every worker of every environment is busy, a new request is throttled (HTTP 429).
- A version's environments (MinExecutionEnvironments, 3 by default) are started when it is
  published, and kept running: there are no cold starts on the invoke path.

How the lab does it: awslambdaric's own multi-concurrent runner, started behind ``managed_boot.py``,
which gives each worker a log file of its own and names it in its Runtime API User-Agent, so the
Runtime API server here hands each worker its own handler (:class:`_Worker`).

Departures: the environment's memory (MemorySize) is checked by sampling its processes' resident
memory, and when it is exceeded the largest worker is killed (as a kernel OOM kill in the
environment's cgroup would do); the CPU is not throttled (an environment has at least one vCPU).
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import psutil

from ..clock import Clock
from ..errors import InvalidParameterValueError, TooManyRequestsError
from . import logs
from ._pids import ProcessLimit
from ._spawn import spawn_worker
from .api import NoInvocations, PendingInvocation, RuntimeApiServer
from .environment import (EnvironmentSpec, EnvironmentState, Outcome, _error_document,
                          _timeout_document, exit_reason, worker_environment)
from .limits import SYNC_PAYLOAD_LIMIT, kill_tree

__all__ = ["ManagedEnvironment", "ManagedPool", "ManagedSettings", "MANAGED_INIT_TIMEOUT_S",
           "default_max_concurrency"]

#: "Initialization can take up to 15 minutes. The timeout is the maximum of 130 seconds or the
#: configured function timeout (up to 900 seconds)." (lambda-managed-instances-execution-environment.html)
MANAGED_INIT_TIMEOUT_S = 130.0
MANAGED_MIN_MEMORY_MB = 2048
MANAGED_MAX_CONCURRENCY = 1600
_WORKER_TAG = "lambda-lab-worker/"
_WATCH_S = 0.02            # how often in-flight requests' workers are checked
_MEMORY_EVERY = 5          # ...and the environment's memory, every this many checks
_MAX_OUTPUT_BYTES = 4 * 1024 * 1024


def validate_managed(runtime: str, memory_mb: int, settings: "ManagedSettings") -> None:
    """AWS's checks of a function on a capacity provider (InvalidParameterValueException)."""
    if not runtime.startswith("python") or _python_minor(runtime) < 13:
        raise InvalidParameterValueError(
            f"Runtime {runtime} is not supported for Lambda Managed Instances functions: use python3.13 or "
            "later (AWS also runs Node.js 22+, Java 21+ and .NET 8+ there; the lab runs Python only).")
    if memory_mb < MANAGED_MIN_MEMORY_MB:
        raise InvalidParameterValueError(
            f"Lambda Managed Instance functions must have memory size greater than or equal to "
            f"{MANAGED_MIN_MEMORY_MB} (got {memory_mb} MB): set MemorySize to {MANAGED_MIN_MEMORY_MB} or more.")
    ratio = settings.memory_gib_per_vcpu
    if not 2 <= ratio <= 8:
        raise InvalidParameterValueError(
            f"ExecutionEnvironmentMemoryGiBPerVCpu must be between 2 and 8 (got {ratio}).")
    if settings.max_concurrency is not None and not 1 <= settings.max_concurrency <= MANAGED_MAX_CONCURRENCY:
        raise InvalidParameterValueError(
            f"PerExecutionEnvironmentMaxConcurrency must be between 1 and {MANAGED_MAX_CONCURRENCY} "
            f"(got {settings.max_concurrency}).")
    if not 0 <= settings.min_environments <= settings.max_environments:
        raise InvalidParameterValueError(
            f"MinExecutionEnvironments ({settings.min_environments}) must be between 0 and "
            f"MaxExecutionEnvironments ({settings.max_environments}).")


def _python_minor(runtime: str) -> int:
    try:
        return int(runtime.removeprefix("python3."))
    except ValueError:
        return 0


def default_max_concurrency(runtime_family: str, vcpus: float) -> int:
    """PerExecutionEnvironmentMaxConcurrency when it is not set: for Python, 16 per vCPU."""
    per_vcpu = 16 if runtime_family == "python" else 64
    return max(1, int(per_vcpu * vcpus))


@dataclass(frozen=True)
class ManagedSettings:
    """A version's Managed Instances settings (CapacityProviderConfig and FunctionScalingConfig)."""

    capacity_provider_arn: str
    max_concurrency: int | None = None        # PerExecutionEnvironmentMaxConcurrency; None: the default
    memory_gib_per_vcpu: float = 2.0          # ExecutionEnvironmentMemoryGiBPerVCpu
    min_environments: int = 3                 # FunctionScalingConfig, AWS's defaults
    max_environments: int = 3

    def vcpus(self, memory_mb: int) -> float:
        return memory_mb / 1024 / self.memory_gib_per_vcpu

    def concurrency(self, runtime_family: str, memory_mb: int) -> int:
        return self.max_concurrency or default_max_concurrency(runtime_family, self.vcpus(memory_mb))


class _Call:
    """One request in a managed environment, from the caller's side."""

    def __init__(self, invocation: PendingInvocation):
        self.invocation = invocation
        self.worker: _Worker | None = None
        self.handed_at: float | None = None
        self.result: tuple[str, bytes | dict, float] | None = None
        self.ended: str | None = None          # "exit", "memory": the worker died under it
        self.output_from = 0


class _Worker:
    """One runtime worker process, as the Runtime API sees it: one request at a time."""

    def __init__(self, env: "ManagedEnvironment", pid: int):
        self.env = env
        self.pid = pid
        self.output_path = env._workers_dir / f"worker-{pid}.log"
        self.call: _Call | None = None
        self.dead = False

    # RuntimeApiHandler
    def next_invocation(self) -> PendingInvocation | None:
        return self.env._next_for(self)

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        if len(body) > SYNC_PAYLOAD_LIMIT:
            return self.env._finish(self, request_id, ("error", {
                "errorMessage": f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload "
                                f"size ({SYNC_PAYLOAD_LIMIT} bytes).", "errorType": "Function.ResponseSizeTooLarge"}))
        return self.env._finish(self, request_id, ("response", body))

    def invocation_error(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        return self.env._finish(self, request_id, ("error", _error_document(body, error_type)))

    def invocation_chunk(self, request_id: str, chunk: bytes, content_type: str) -> bool:
        call = self.call
        if call is None or call.invocation.request_id != request_id:
            return False
        if call.invocation.on_chunk is not None:
            call.invocation.on_chunk(chunk, content_type)
        return True

    def invocation_streamed(self, request_id: str, body: bytes) -> bool:
        return self.env._finish(self, request_id, ("response", body))

    def init_error(self, body: bytes, error_type: str | None) -> bool:
        return self.env._init_failed(body, error_type)

    def restore_next(self) -> bool:
        return False

    def restore_error(self, body: bytes, error_type: str | None) -> None:
        return None


class ManagedEnvironment(NoInvocations):
    """An execution environment of a function on a capacity provider: ``max_concurrency`` workers."""

    provisioned = True      # started ahead of any request, and kept
    tenant_id = None
    snapshot = None

    def __init__(self, spec: EnvironmentSpec, *, scratch_root: Path, clock: Clock, max_concurrency: int):
        self.spec = spec
        self.max_concurrency = max_concurrency
        self.id = uuid.uuid4().hex
        self.log_stream = logs.log_stream_name(clock.now(), spec.version, self.id)
        self.state = EnvironmentState.STARTING
        self.invocations = 0
        self.last_used = clock.now()
        self.closed_reason: str | None = None
        self._clock = clock
        self._scratch = Path(scratch_root) / self.id
        self._workers_dir = self._scratch / "workers"
        self._output_path = self._scratch / "output.log"      # the runtime's main process
        self._cond = threading.Condition()
        self._queue: collections.deque[_Call] = collections.deque()
        self._calls: dict[str, _Call] = {}
        self._workers: dict[int, _Worker] = {}
        self._in_flight = 0
        self._initialized = False
        self._init_error: dict | None = None
        self._init_ms: float | None = None
        self._closing = False
        self._process = None
        self._pids: ProcessLimit | None = None
        self._server: RuntimeApiServer | None = None
        self._spawned_at = 0.0
        self._watcher: threading.Thread | None = None

    # -- INIT -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the runtime and its workers (INIT begins). Returns at once; see :meth:`wait_initialized`."""
        for sub in ("tmp", "home", "workers"):
            (self._scratch / sub).mkdir(parents=True, exist_ok=True)
        self._server = RuntimeApiServer(self, route=self._worker_for)
        gate_r, gate_w = os.pipe()
        try:
            launch = self.spec.runtime.behind("managed_boot.py", gate_r, self.spec.launch())
            environment = worker_environment(self.spec, self._scratch, launch.environment, self._server.address,
                                             initialization_type="lambda-managed-instances",
                                             log_stream=self.log_stream)
            environment["AWS_LAMBDA_MAX_CONCURRENCY"] = str(self.max_concurrency)
            environment["_LAMBDA_LAB_WORKER_OUTPUT"] = str(self._workers_dir)
            self._spawned_at = time.perf_counter()
            with open(self._output_path, "ab") as output:
                self._process = spawn_worker(launch.argv, env=environment, cwd=str(self.spec.code_dir),
                                             output=output, pass_fds=(gate_r,))
            os.close(gate_r)
            gate_r = -1
            self._pids = ProcessLimit(self.id, self.spec.max_processes)
            try:
                self._pids.adopt(self._process.pid)
            except OSError:
                self.close("could not bound the environment")
                raise
            os.write(gate_w, b"1")
        finally:
            if gate_r >= 0:
                os.close(gate_r)
            os.close(gate_w)
        self._watcher = threading.Thread(target=self._watch, name=f"managed-env-{self.id[:8]}", daemon=True)
        self._watcher.start()

    def wait_initialized(self, timeout_s: float | None = None) -> bool:
        """Wait until a first worker asks for an event (INIT is over) or INIT fails."""
        timeout_s = max(MANAGED_INIT_TIMEOUT_S, self.spec.timeout_s) if timeout_s is None else timeout_s
        deadline = time.perf_counter() + timeout_s
        with self._cond:
            while not self._initialized and self._init_error is None and not self._closing:
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or not self._alive():
                    break
                self._cond.wait(min(0.1, remaining))
            if self._initialized and self.state is EnvironmentState.STARTING:
                self.state = EnvironmentState.IDLE
            return self._initialized

    @property
    def init_ms(self) -> float | None:
        return self._init_ms

    @property
    def init_failure(self) -> dict | None:
        """Why INIT failed: the runtime's error document, or how the runtime ended."""
        if self._init_error is not None:
            return dict(self._init_error)
        if not self._initialized and not self._alive() and self._process is not None:
            return {"errorType": "Runtime.ExitError", "errorMessage": exit_reason(self._process.poll())}
        if not self._initialized:
            return {"errorType": "Sandbox.Timedout", "errorMessage": "INIT did not finish in time."}
        return None

    def init_output(self) -> str:
        """What the runtime and its workers wrote so far (INIT's log)."""
        parts = [_read(self._output_path, 0)[0]]
        for path in sorted(self._workers_dir.glob("worker-*.log")):
            parts.append(_read(path, 0)[0])
        return "".join(part for part in parts if part)

    # -- the Runtime API's side ---------------------------------------------------------------

    def _worker_for(self, user_agent: str) -> _Worker | None:
        tag = user_agent.rpartition(_WORKER_TAG)[2] if _WORKER_TAG in user_agent else ""
        if not tag.isdigit():
            return None
        with self._cond:
            worker = self._workers.get(int(tag))
            if worker is None:
                worker = self._workers[int(tag)] = _Worker(self, int(tag))
            return worker

    def _next_for(self, worker: _Worker) -> PendingInvocation | None:
        with self._cond:
            if not self._initialized:
                self._initialized = True
                self._init_ms = (time.perf_counter() - self._spawned_at) * 1000
            worker.call = None
            self._cond.notify_all()
            while not self._queue and not self._closing:
                self._cond.wait()
            if self._closing:
                return None
            call = self._queue.popleft()
            call.worker, call.handed_at = worker, time.perf_counter()
            call.output_from = _size(worker.output_path)
            worker.call = call
            return call.invocation

    def _finish(self, worker: _Worker, request_id: str, result: tuple[str, bytes | dict]) -> bool:
        with self._cond:
            call = worker.call
            if call is None or call.invocation.request_id != request_id or call.result is not None:
                return False
            call.result = (*result, time.perf_counter())
            self._cond.notify_all()
            return True

    def _init_failed(self, body: bytes, error_type: str | None) -> bool:
        """The first worker to fail INIT reports it; the others get 403, as from AWS."""
        with self._cond:
            if self._init_error is not None:
                return False
            self._init_error = _error_document(body, error_type)
            self._cond.notify_all()
            return True

    # The environment itself answers only requests that name no worker (none, from awslambdaric):
    # NoInvocations refuses their invocation calls.
    def init_error(self, body: bytes, error_type: str | None) -> bool:
        return self._init_failed(body, error_type)

    def restore_next(self) -> bool:
        return False

    def restore_error(self, body: bytes, error_type: str | None) -> None:
        return None

    # -- INVOKE ---------------------------------------------------------------------------

    def _room(self) -> int:
        """Workers free for one more request: not taken by a request, not still running one whose caller
        has had its timeout, not dead. (Call with the lock held.)"""
        stuck = sum(1 for w in self._workers.values()
                    if w.dead or (w.call is not None and w.call.result is None and w.call.ended is not None))
        return max(0, self.max_concurrency - self._in_flight - stuck)

    @property
    def free(self) -> int:
        """How many more requests this environment can take now."""
        with self._cond:
            return self._room() if self.state is EnvironmentState.IDLE else 0

    def take(self) -> bool:
        """Reserve room for one request (the pool's side); False when there is none."""
        with self._cond:
            if self.state is not EnvironmentState.IDLE or self._room() <= 0:
                return False
            self._in_flight += 1
            return True

    def invoke(self, invocation: PendingInvocation) -> Outcome:
        """Run one request to its end (after :meth:`take`). A learner's failure is returned, never raised."""
        call = _Call(invocation)
        limit = self.spec.timeout_s
        queued_at = time.perf_counter()
        with self._cond:
            self.invocations += 1
            self._calls[invocation.request_id] = call
            self._queue.append(call)
            self._cond.notify_all()
            while call.result is None and call.ended is None and not self._closing:
                now = time.perf_counter()
                # The timeout counts from the moment a worker takes the request.
                deadline = (call.handed_at + limit) if call.handed_at else queued_at + limit + MANAGED_INIT_TIMEOUT_S
                if now >= deadline:
                    call.ended = "timeout"
                    break
                self._cond.wait(min(0.1, deadline - now))
            if call.handed_at is None and call in self._queue:
                self._queue.remove(call)
            self._calls.pop(invocation.request_id, None)
            self._in_flight -= 1
            if call.ended is None and call.result is None:
                call.ended = "exit"        # the environment closed under it
        self.last_used = self._clock.now()
        return self._outcome(call)

    def _outcome(self, call: _Call) -> Outcome:
        request_id = call.invocation.request_id
        worker = call.worker
        finished = call.result[2] if call.result else time.perf_counter()
        duration_ms = (finished - (call.handed_at or finished)) * 1000
        output = ""
        peak_mb = 0.0
        if worker is not None:
            output = _read(worker.output_path, call.output_from)[0]
            peak_mb = _peak_rss_mb(worker.pid)
        payload, error, status, error_type = None, None, None, None
        if call.ended == "timeout":
            # Lambda answers with the timeout, but the worker's code runs on (it is not stopped).
            error, status = _timeout_document(self._clock.now(), request_id, self.spec.timeout_s), "timeout"
            error_type = error["errorType"]
            duration_ms = self.spec.timeout_s * 1000.0
            output += error["errorMessage"] + "\n"
        elif call.ended is not None:
            code = _exit_code(worker.pid, self._workers_dir) if worker is not None else None
            reason = "signal: killed" if call.ended == "memory" else None
            error = {"errorType": "Runtime.ExitError",
                     "errorMessage": f"RequestId: {request_id} Error: {exit_reason(code, reason)}"}
            status, error_type = "error", "Runtime.ExitError"
            output += f"{error['errorMessage']}\n{error['errorType']}\n"
            if call.ended == "memory":
                peak_mb = self.spec.memory_mb
        elif call.result[0] == "response":
            payload = call.result[1]
        else:
            error = call.result[1]
            if "stackTrace" in error:
                error["requestId"] = request_id
        return Outcome(request_id=request_id, payload=payload, error=error, status=status, error_type=error_type,
                       cold=False, init_ms=None, duration_ms=duration_ms, max_memory_mb=int(round(peak_mb)),
                       output=output)

    # -- watching the workers -------------------------------------------------------------------

    def _watch(self) -> None:
        """End the requests of workers that died, kill the largest worker when memory runs out."""
        ticks = 0
        while True:
            with self._cond:
                if self._closing:
                    return
                workers = [w for w in self._workers.values() if not w.dead]
                busy = any(w.call is not None and w.call.result is None for w in workers)
            time.sleep(_WATCH_S if busy else 0.25)
            ticks += 1
            if not self._alive():
                self.close("runtime exited")
                return
            for worker in workers:
                if not _running(worker.pid):
                    self._worker_died(worker, "exit")
            if not busy or ticks % _MEMORY_EVERY == 0:
                self._police_memory()

    def _police_memory(self) -> None:
        try:
            processes = [psutil.Process(self._process.pid)] + psutil.Process(self._process.pid).children(recursive=True)
        except psutil.Error:
            return
        sizes = {}
        for process in processes:
            try:
                sizes[process.pid] = process.memory_info().rss
            except psutil.Error:
                pass
        if sum(sizes.values()) / (1024 * 1024) <= self.spec.memory_mb:
            return
        largest = max((pid for pid in sizes if pid != self._process.pid), key=sizes.get, default=None)
        if largest is None:
            return
        try:
            os.kill(largest, signal.SIGKILL)
        except OSError:
            return
        worker = self._workers.get(largest)
        if worker is not None:
            self._worker_died(worker, "memory")

    def _worker_died(self, worker: _Worker, how: str) -> None:
        with self._cond:
            worker.dead = True
            if worker.call is not None and worker.call.result is None and worker.call.ended is None:
                worker.call.ended = how
            self._cond.notify_all()
            alive = [w for w in self._workers.values() if not w.dead]
        if not alive and self._initialized:
            self.close("every runtime worker exited")

    # -- SHUTDOWN -------------------------------------------------------------------------

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def close(self, reason: str = "closed") -> None:
        """SHUTDOWN: the runtime and its workers are killed; idempotent."""
        with self._cond:
            if self.state is EnvironmentState.DEAD:
                return
            self.state = EnvironmentState.DEAD
            self.closed_reason = reason
            self._closing = True
            self._cond.notify_all()
        if self._process is not None:
            kill_tree(self._process)
        if self._pids is not None:
            self._pids.close()
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __repr__(self) -> str:
        return (f"ManagedEnvironment({self.spec.function_name}:{self.spec.version}, id={self.id[:8]}, "
                f"{self.state.value}, workers={self.max_concurrency}, invocations={self.invocations})")


class ManagedPool:
    """A Managed Instances version's environments: started at publish, kept, many requests each."""

    def __init__(self, spec: EnvironmentSpec, settings: ManagedSettings, *,
                 factory: Callable[[], ManagedEnvironment]):
        self.spec = spec
        self.settings = settings
        self._factory = factory
        self._environments: list[ManagedEnvironment] = []
        self._lock = threading.Lock()
        self._closed = False
        self._scaling = False
        self.init_error: dict | None = None
        self.init_output = ""
        self.init_ms: float | None = None
        self._start_lock = threading.Lock()
        self._started: bool | None = None

    @property
    def environments(self) -> list[ManagedEnvironment]:
        with self._lock:
            return [env for env in self._environments if env.state is not EnvironmentState.DEAD]

    def start(self) -> bool:
        """Start MinExecutionEnvironments environments and wait for their INIT; False if INIT failed.
        Once only: a later call (the first invoke after PublishVersion) returns the first answer."""
        with self._start_lock:
            if self._started is None:
                self._started = self._start()
            return self._started

    def _start(self) -> bool:
        wanted = self.settings.min_environments
        started = [self._factory() for _ in range(wanted)]
        for env in started:
            env.start()
        ready = [env for env in started if env.wait_initialized()]
        failed = [env for env in started if env not in ready]
        if failed:
            self.init_error = failed[0].init_failure
            self.init_output = failed[0].init_output()
            for env in started:
                env.close("INIT failed")
            return False
        if ready:
            self.init_ms = max(env.init_ms or 0.0 for env in ready)
            self.init_output = ready[0].init_output()
        with self._lock:
            self._environments += ready
        return True

    def acquire(self, tenant_id: str | None = None) -> ManagedEnvironment:
        """The least busy environment with room for one more request; TooManyRequestsError if none."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this function version was replaced")  # callers resolve again
            live = [env for env in self._environments if env.state is not EnvironmentState.DEAD]
            self._environments = live
        for env in sorted(live, key=lambda env: -env.free):
            if env.take():
                return env
        scaling = self._scale_out()
        workers = self.settings.concurrency(self.spec.runtime.family, self.spec.memory_mb)
        busy = (f"Rate Exceeded. Every runtime worker of {self.spec.function_name}:{self.spec.version}'s "
                f"{len(live)} execution environment(s) is busy ({workers} requests each)")
        if scaling:
            advice = "; Lambda is scaling out. Retry with backoff, or raise MinExecutionEnvironments."
        else:
            advice = (f", and it is at MaxExecutionEnvironments ({self.settings.max_environments}): retry with "
                      "backoff, or raise the maximum (PutFunctionScalingConfig; fn.set_scaling(min, max)).")
        raise TooManyRequestsError(busy + advice, reason="ConcurrentInvocationLimitExceeded")

    def release(self, env: ManagedEnvironment) -> None:
        """After a request: replace the environment if it died (Lambda keeps MinExecutionEnvironments)."""
        if env.state is EnvironmentState.DEAD:
            self._scale_out()

    def _scale_out(self) -> bool:
        """Start one more environment in the background, up to MaxExecutionEnvironments; whether
        one is starting now."""
        with self._lock:
            live = [env for env in self._environments if env.state is not EnvironmentState.DEAD]
            limit = max(self.settings.max_environments, self.settings.min_environments)
            if self._scaling:
                return True
            if self._closed or len(live) >= limit:
                return False
            self._scaling = True

        def grow() -> None:
            env, ready = self._factory(), False
            try:
                env.start()
                ready = env.wait_initialized()
            finally:
                with self._lock:
                    self._scaling = False
                    keep = ready and not self._closed
                    if keep:
                        self._environments.append(env)
                if not keep:
                    env.close("scaling stopped")

        threading.Thread(target=grow, name=f"managed-scale-{self.spec.function_name}", daemon=True).start()
        return True

    def scale_to(self, minimum: int | None, maximum: int | None) -> ManagedSettings:
        """Apply a FunctionScalingConfig: start environments up to the minimum (waiting for their INIT),
        stop the least busy ones past the maximum."""
        minimum = self.settings.min_environments if minimum is None else minimum
        maximum = max(minimum, self.settings.max_environments if maximum is None else maximum)
        self.settings = replace(self.settings, min_environments=minimum, max_environments=maximum)
        missing = minimum - len(self.environments)
        if missing > 0:
            starting = [self._factory() for _ in range(missing)]
            for env in starting:
                env.start()
            ready = [env for env in starting if env.wait_initialized()]
            with self._lock:
                self._environments += ready
            for env in starting:
                if env not in ready:
                    env.close("INIT failed")
        with self._lock:
            # Keep the busiest; stop the idlest (AWS drains an environment before it stops it: here a
            # request still running in a stopped environment fails with Runtime.ExitError).
            live = sorted(self.environments_unlocked(), key=lambda env: env.free)
            surplus = live[maximum:]
            self._environments = [env for env in self._environments if env not in surplus]
        for env in surplus:
            env.close("scaled in")
        return self.settings

    def environments_unlocked(self) -> list[ManagedEnvironment]:
        return [env for env in self._environments if env.state is not EnvironmentState.DEAD]

    def reclaim_idle(self) -> int:
        return 0    # Managed Instances environments are kept running

    def set_provisioned(self, count: int) -> list:
        return []

    def retire(self) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            environments, self._environments = self._environments, []
        for env in environments:
            env.close("version deleted")


def _read(path: Path, offset: int) -> tuple[str, int]:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(_MAX_OUTPUT_BYTES + 1)
            end = f.seek(0, os.SEEK_END)
    except FileNotFoundError:
        return "", offset
    text = data[:_MAX_OUTPUT_BYTES].decode("utf-8", errors="replace")
    if len(data) > _MAX_OUTPUT_BYTES:
        text += f"\n[lambda_lab: output past {_MAX_OUTPUT_BYTES // (1024 * 1024)} MB not shown]\n"
    return text.replace("\r", "\n"), end


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rfind(")") + 2:].split()


def _running(pid: int) -> bool:
    """Whether a worker (the runtime's child, not ours) is still running: not gone, not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _exit_code(pid: int, workers_dir: Path) -> int | None:
    """A dead worker's exit status as ``Popen.returncode`` has it (negative for a signal): from its
    zombie's /proc entry (proc(5), field 52), or from the ``exit-<pid>`` file managed_boot writes when
    it reaps the worker; None when neither says (within a moment)."""
    deadline = time.monotonic() + 0.5
    while True:
        fields = _stat_fields(pid)
        if fields is not None and fields[0] == "Z" and len(fields) >= 50:
            status = int(fields[-1])
            break
        try:
            status = int((workers_dir / f"exit-{pid}").read_text())
            break
        except (FileNotFoundError, ValueError):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.005)
    return -(status & 0x7F) if status & 0x7F else status >> 8


def _peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0.0
