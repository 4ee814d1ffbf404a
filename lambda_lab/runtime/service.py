"""The local Lambda service: functions, their versions, and invocations that really run.

It is the data plane only. It knows nothing of moto or boto3: the lab's composition root wires
it to the control plane. Usable on its own::

    from lambda_lab.runtime import LambdaService, FunctionConfig
    with LambdaService() as svc:
        svc.create_function(FunctionConfig("hello", code=zip_bytes, handler="app.handler"))
        result = svc.invoke("hello", b'{"name": "Ada"}')
"""

from __future__ import annotations

import atexit
import json
import math
import re
import shutil
import tempfile
import threading
import uuid
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..clock import Clock, SystemClock
from ..errors import (InvalidParameterValueError, InvalidRequestContentError, RequestEntityTooLargeError,
                      ResourceConflictError, ResourceNotFoundError, ServiceClosedError)
from . import logs
from .api import PendingInvocation
from .code import CodeStore, runtime_site
from .environment import EnvironmentSpec, ExecutionEnvironment, Outcome
from .extensions import external_extensions
from .managed import ManagedEnvironment, ManagedPool, ManagedSettings, validate_managed
from .limits import (ASYNC_PAYLOAD_LIMIT, ENV_VARS_LIMIT, MAX_LAYERS, SYNC_PAYLOAD_LIMIT, CpuGovernor,
                     validate_memory, validate_timeout)
from ._pids import AWS_PROCESS_LIMIT
from .pool import DEFAULT_KEEP_ALIVE_S, ConcurrencyLedger, EnvironmentPool
from .runtimes import runtime_for
from .snapshot import Snapshot, SnapshotInit

__all__ = ["FunctionConfig", "InvocationResult", "LambdaService", "LATEST", "validate_environment"]

LATEST = "$LATEST"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Keys AWS sets itself and refuses in a function's environment variables.
_RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
# Local mode must never reach AWS. Without a lab endpoint, a handler's SDK calls go to a closed
# loopback port and fail at once.
_NOWHERE = "http://127.0.0.1:9"
_FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ASIALAMBDALABLOCAL00", "AWS_SECRET_ACCESS_KEY": "lambda-lab-local-secret",
                     "AWS_SESSION_TOKEN": "lambda-lab-local-session"}


@dataclass(frozen=True)
class FunctionConfig:
    """A function's code and configuration (what CreateFunction takes)."""

    name: str
    code: bytes
    handler: str = "lambda_function.lambda_handler"
    runtime: str = "python3.12"
    memory_mb: int = 128
    timeout_s: int = 3
    environment: dict[str, str] = field(default_factory=dict)
    layers: tuple[bytes, ...] = ()
    #: LoggingConfig: "Text" or "JSON"; the levels apply to JSON only (AWS refuses them with Text).
    log_format: str = "Text"
    application_log_level: str = "INFO"
    system_log_level: str = "INFO"
    log_group: str | None = None   # None: /aws/lambda/<name>
    #: SnapStart ApplyOn PublishedVersions: each published version is initialised once, at publish,
    #: and its environments are restored from that snapshot ($LATEST runs as usual).
    snap_start: bool = False
    #: Lambda Managed Instances (CapacityProviderConfig): each published version runs on its own
    #: long-lived environments, many requests at once in each; $LATEST cannot be invoked.
    managed: ManagedSettings | None = None

    def validated(self) -> "FunctionConfig":
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InvalidParameterValueError(
                f"Function name {self.name!r} is not valid: use 1-64 letters, digits, hyphens or "
                "underscores (e.g. 'hello-lambda').")
        validate_memory(self.memory_mb)
        validate_timeout(self.timeout_s)
        runtime_for(self.runtime).check_available()
        if not isinstance(self.handler, str) or not self.handler or len(self.handler) > 128:
            raise InvalidParameterValueError(
                f"Handler {self.handler!r} is not valid: give 'module.function', e.g. 'app.handler'.")
        validate_environment(self.environment)
        if len(self.layers) > MAX_LAYERS:
            raise InvalidParameterValueError(f"A function can use at most {MAX_LAYERS} layers; got {len(self.layers)}.")
        if self.managed is not None:
            validate_managed(self.runtime, self.memory_mb, self.managed)
        return replace(self, environment={str(k): str(v) for k, v in self.environment.items()},
                       layers=tuple(self.layers))


def validate_environment(variables: dict) -> None:
    """AWS's checks on a function's environment variables: no reserved keys, 4 KB in all."""
    reserved = sorted(set(variables) & _RESERVED_VARIABLES)
    if reserved:
        raise InvalidParameterValueError(
            f"Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}")
    size = len(json.dumps(variables, separators=(",", ":")).encode())
    if size > ENV_VARS_LIMIT:
        raise InvalidParameterValueError(
            f"The function's environment variables take {size} bytes; Lambda allows 4 KB in total. "
            "Keep large settings in S3, SSM Parameter Store or Secrets Manager.")


@dataclass
class InvocationResult:
    """One invocation as the Lambda service saw it."""

    request_id: str
    function_name: str
    version: str
    payload: bytes
    error: dict | None
    cold: bool
    init_ms: float | None
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    environment_id: str
    log_stream: str
    logs: str
    status_code: int = 200
    log_group: str = ""   # LoggingConfig.LogGroup; "" for /aws/lambda/<function_name>
    restore_ms: float | None = None      # a SnapStart cold start: the restore instead of INIT
    billed_restore_ms: int | None = None

    @property
    def function_error(self) -> str | None:
        return "Unhandled" if self.error is not None else None

    def json(self):
        """The response payload, decoded from JSON."""
        return json.loads(self.payload) if self.payload else None


@dataclass
class _FunctionVersion:
    config: FunctionConfig
    version: str
    pool: EnvironmentPool | ManagedPool
    snapshot: Snapshot | None = None

    @property
    def managed(self) -> ManagedPool | None:
        return self.pool if isinstance(self.pool, ManagedPool) else None


class LambdaService:
    """Runs functions in real worker processes with AWS's lifecycle, limits and log lines."""

    def __init__(self, *, region: str = "us-east-1", account_id: str = "123456789012",
                 concurrency_limit: int = 10, keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
                 clock: Clock | None = None, endpoint_url: str | None = None,
                 credentials: dict[str, str] | None = None, root: Path | None = None,
                 max_processes: int = AWS_PROCESS_LIMIT):
        self.region = region
        self.account_id = account_id
        self.clock = clock or SystemClock()
        self.keep_alive_s = keep_alive_s
        self.max_processes = max_processes
        self.ledger = ConcurrencyLedger(concurrency_limit)
        self._base_environment = {**(credentials or _FAKE_CREDENTIALS), "AWS_ENDPOINT_URL": endpoint_url or _NOWHERE}
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="lambda-lab-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self._code = CodeStore(self.root)
        self._governor = CpuGovernor()
        self._functions: dict[str, dict[str, _FunctionVersion]] = {}
        self._next_version: dict[str, int] = {}
        self._lock = threading.RLock()
        self._closed = False
        self._stop_reaper = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="lambda-idle-reaper", daemon=True)
        self._reaper.start()
        self._finalizer = weakref.finalize(self, LambdaService._shutdown, self._functions, self._governor,
                                           self.root if self._own_root else None)
        atexit.register(self._finalizer)

    # -- functions ------------------------------------------------------------------------

    def create_function(self, config: FunctionConfig) -> FunctionConfig:
        config = config.validated()
        with self._lock:
            self._check_open()
            if config.name in self._functions:
                raise ResourceConflictError(f"Function already exist: {config.name}")
            self._functions[config.name] = {LATEST: self._new_version(config, LATEST)}
            self._next_version[config.name] = 1
        return config

    def update_function(self, name: str, **changes) -> FunctionConfig:
        """Change $LATEST's code or configuration; its environments retire, as on AWS."""
        with self._lock:
            self._check_open()
            current = self._version(name, LATEST)
            config = replace(current.config, **changes).validated()
            self._functions[name][LATEST] = self._new_version(config, LATEST)
        current.pool.retire()
        return config

    def deploy_version(self, config: FunctionConfig, version: str = LATEST) -> bool:
        """Create or replace one version's code and configuration, as a control plane would.

        Returns True when something changed; the old version's environments then retire.
        """
        config = config.validated()
        with self._lock:
            self._check_open()
            versions = self._functions.setdefault(config.name, {})
            self._next_version.setdefault(config.name, 1)
            current = versions.get(version)
            if current is not None and current.config == config:
                return False
            versions[version] = self._new_version(config, version)
        if current is not None:
            current.pool.retire()
            if current.snapshot is not None:
                current.snapshot.close()
        return True

    def publish_version(self, name: str) -> str:
        with self._lock:
            latest = self._version(name, LATEST)
            number = str(self._next_version[name])
            self._next_version[name] += 1
            fv = self._functions[name][number] = self._new_version(latest.config, number)
        if fv.snapshot is not None:
            fv.snapshot.take()
        if fv.managed is not None:
            fv.managed.start()
        return number

    def managed_pool(self, name: str, qualifier: str) -> ManagedPool | None:
        """A Managed Instances version's environments (None for a version without a capacity provider)."""
        return self._version(name, qualifier).managed

    def set_scaling(self, name: str, qualifier: str, minimum: int | None, maximum: int | None) -> ManagedSettings:
        """FunctionScalingConfig of a Managed Instances version: environments start or stop to match."""
        fv = self._version(name, qualifier)
        pool = fv.managed
        if pool is None:
            raise InvalidParameterValueError(
                f"{name}:{qualifier} does not run on a capacity provider: a scaling configuration applies only to "
                "Lambda Managed Instances functions.")
        return pool.scale_to(minimum, maximum)

    def take_snapshot(self, name: str, qualifier: str) -> SnapshotInit | None:
        """SnapStart: run a published version's INIT and snapshot it (PublishVersion does this); None
        when the version has no SnapStart. Idempotent."""
        fv = self._version(name, qualifier)
        return fv.snapshot.take() if fv.snapshot is not None else None

    def delete_function(self, name: str) -> None:
        with self._lock:
            versions = self._functions.pop(name, None)
            if versions is None:
                raise ResourceNotFoundError(f"Function not found: {self._arn(name)}")
            self.ledger.reserve(name, None)
        for fv in versions.values():
            fv.pool.close()

    def delete_function_if_present(self, name: str) -> bool:
        try:
            self.delete_function(name)
            return True
        except ResourceNotFoundError:
            return False

    def get_function(self, name: str, qualifier: str = LATEST) -> FunctionConfig:
        return self._version(name, qualifier).config

    def function_names(self) -> list[str]:
        with self._lock:
            return sorted(self._functions)

    def put_reserved_concurrency(self, name: str, count: int | None) -> None:
        self._version(name, LATEST)
        self.ledger.reserve(name, count)

    def set_provisioned_concurrency(self, name: str, qualifier: str, count: int) -> int:
        """Start ``count`` environments of a version ahead of time; returns how many are ready."""
        if qualifier == LATEST:
            raise InvalidParameterValueError(
                "Provisioned concurrency cannot be configured on $LATEST: publish a version "
                "(or point an alias at one) and configure that.")
        if count and self._version(name, qualifier).snapshot is not None:
            # "SnapStart does not support provisioned concurrency" (snapstart.html)
            raise InvalidParameterValueError(
                "Provisioned concurrency cannot be used with SnapStart: set SnapStart ApplyOn to None, or "
                "drop the provisioned concurrency.")
        reserved = self.ledger.reserved(name)
        if reserved is not None and count > reserved:
            raise InvalidParameterValueError(
                f"Provisioned concurrency ({count}) cannot exceed the function's reserved concurrency ({reserved}).")
        return len(self._version(name, qualifier).pool.set_provisioned(count))

    def environments(self, name: str, qualifier: str = LATEST) -> list[ExecutionEnvironment]:
        return self._version(name, qualifier).pool.environments

    # -- invoke ---------------------------------------------------------------------------

    def invoke(self, name: str, payload: bytes | str = b"{}", qualifier: str = LATEST, *,
               asynchronous: bool = False, client_context: str | None = None,
               trace_id: str | None = None, tenant_id: str | None = None,
               on_chunk=None) -> InvocationResult:
        """Run one invocation and wait for it. Throttling raises TooManyRequestsError.

        ``trace_id`` is the X-Ray trace header the runtime hands the handler (``_X_AMZN_TRACE_ID``);
        a new trace when None. ``tenant_id`` runs it in an environment of that tenant only (a
        function with ``TenancyConfig`` PER_TENANT; the caller checks that it has one).
        ``on_chunk(bytes)`` receives a streaming runtime's chunks as they are written (a buffered
        runtime's answer is only in the result).
        """
        body = payload.encode() if isinstance(payload, str) else bytes(payload)
        limit = ASYNC_PAYLOAD_LIMIT if asynchronous else SYNC_PAYLOAD_LIMIT
        if len(body) > limit:
            raise RequestEntityTooLargeError(
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation "
                f"(this event is {len(body)} bytes). Put large data in S3 and pass its key.")
        try:
            json.loads(body or b"null")
        except ValueError:
            raise InvalidRequestContentError(
                "Could not parse request body into json: the event must be valid JSON, "
                "e.g. b'{\"name\": \"Ada\"}'.") from None
        while True:
            fv = self._version(name, qualifier)
            if fv.config.managed is not None and fv.managed is None:
                raise InvalidParameterValueError(
                    f"Function {name} runs on a capacity provider (Lambda Managed Instances): $LATEST cannot be "
                    "invoked. Publish a version and invoke it (Qualifier='1', or '$LATEST.PUBLISHED').")
            if fv.managed is not None and fv.managed.init_error is not None:
                error = fv.managed.init_error
                raise ResourceConflictError(
                    f"The operation cannot be performed at this time. The function is currently in the following "
                    f"state: Failed (its INIT failed with {error.get('errorType')}: {error.get('errorMessage')}). "
                    "Fix the code and publish a new version.")
            if fv.snapshot is not None and not fv.snapshot.take().ok:
                init = fv.snapshot.take()
                raise ResourceConflictError(
                    f"The operation cannot be performed at this time. The function is currently in the following "
                    f"state: Failed (its SnapStart INIT failed with {init.error.get('errorType')}: "
                    f"{init.error.get('errorMessage')}). Fix the code and publish a new version.")
            if fv.managed is not None:
                fv.managed.start()  # a no-op once started (PublishVersion starts it)
            try:
                env = fv.pool.acquire(tenant_id)
                break
            except RuntimeError:  # the version was replaced by an update meanwhile: resolve again
                continue
        request_id = str(uuid.uuid4())
        invocation = PendingInvocation(
            request_id=request_id, body=body or b"{}",
            timeout_s=fv.config.timeout_s,
            function_arn=self._arn(name, None if qualifier == LATEST else qualifier),
            trace_id=trace_id or _trace_id(self.clock.now()), client_context=client_context, tenant_id=tenant_id,
            on_chunk=on_chunk)
        try:
            outcome = env.invoke(invocation)
        finally:
            fv.pool.release(env)
        return self._result(fv, env, outcome)

    def reclaim_idle(self) -> int:
        """Shut down idle environments past the keep-alive, now (the service also does it every second)."""
        with self._lock:
            pools = [fv.pool for versions in self._functions.values() for fv in versions.values()]
        return sum(pool.reclaim_idle() for pool in pools)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every environment and remove the service's files. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop_reaper.set()
        self._finalizer()

    def __enter__(self) -> "LambdaService":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @staticmethod
    def _shutdown(functions: dict, governor: CpuGovernor, root: Path | None) -> None:
        for versions in list(functions.values()):
            for fv in list(versions.values()):
                fv.pool.close()
        functions.clear()
        governor.close()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    # -- internals ------------------------------------------------------------------------

    def _new_version(self, config: FunctionConfig, version: str) -> _FunctionVersion:
        runtime = runtime_for(config.runtime)
        snap_start = config.snap_start and version != LATEST and runtime.family == "python"
        spec = EnvironmentSpec(
            function_name=config.name, version=version,
            function_arn=self._arn(config.name, None if version == LATEST else version),
            memory_mb=config.memory_mb, timeout_s=config.timeout_s, runtime=runtime,
            handler=config.handler, code_dir=self._code.unpack(config.code),
            opt_dir=self._code.unpack_layers(list(config.layers)),
            runtime_site=runtime_site(self.root, runtime.modules) if runtime.modules else None,
            region=self.region, variables=dict(config.environment), base_environment=self._base_environment,
            max_processes=self.max_processes,
            # Managed Instances functions "always use the structured JSON log format".
            log_format="JSON" if config.managed is not None else config.log_format,
            application_log_level=config.application_log_level, log_group_name=config.log_group,
            snap_start=snap_start)
        if (snap_start or config.managed is not None) and external_extensions(spec.opt_dir):
            raise InvalidParameterValueError(
                f"{config.name} has external extensions (a layer's extensions/ folder): the lab runs them in "
                "standard execution environments only, not with SnapStart or on a capacity provider. Remove the "
                "layer, or SnapStart / CapacityProviderConfig.")
        if config.managed is not None and version != LATEST:
            settings = config.managed
            workers = settings.concurrency(runtime.family, config.memory_mb)

            def managed_factory() -> ManagedEnvironment:
                return ManagedEnvironment(spec, scratch_root=self.root / "environments", clock=self.clock,
                                          max_concurrency=workers)

            return _FunctionVersion(config, version, ManagedPool(spec, settings, factory=managed_factory))
        snapshot = Snapshot(spec, scratch_root=self.root / "environments", clock=self.clock) if snap_start else None

        def factory(provisioned: bool) -> ExecutionEnvironment:
            return ExecutionEnvironment(spec, scratch_root=self.root / "environments", clock=self.clock,
                                        governor=self._governor, provisioned=provisioned, snapshot=snapshot)

        pool = EnvironmentPool(spec, factory=factory, ledger=self.ledger, clock=self.clock,
                               keep_alive_s=self.keep_alive_s, snapshot=snapshot)
        return _FunctionVersion(config, version, pool, snapshot)

    def _version(self, name: str, qualifier: str | None) -> _FunctionVersion:
        with self._lock:
            self._check_open()
            versions = self._functions.get(name)
            fv = versions.get(qualifier or LATEST) if versions else None
        if fv is None:
            raise ResourceNotFoundError(
                f"Function not found: {self._arn(name, None if qualifier in (None, LATEST) else qualifier)}")
        return fv

    def _arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def _check_open(self) -> None:
        if self._closed:
            raise ServiceClosedError("This Lambda service is closed; start a new one (e.g. Lab.local()).")

    def _reap(self) -> None:
        while not self._stop_reaper.wait(1.0):
            try:
                self.reclaim_idle()
            except ServiceClosedError:
                return

    def _result(self, fv: _FunctionVersion, env: ExecutionEnvironment, outcome: Outcome) -> InvocationResult:
        config = fv.config
        billed = logs.billed_ms(outcome.duration_ms, outcome.init_ms)
        if outcome.status == "timeout":
            # AWS bills a timed-out invocation for the timeout, not for the moment it noticed.
            billed = min(billed, config.timeout_s * 1000 + math.ceil(outcome.init_ms or 0))
        if env.spec.log_format == "JSON":
            lines = self._json_platform_lines(fv, outcome, billed)
        else:
            lines = self._text_platform_lines(fv, outcome, billed)
        extensions = getattr(env, "extensions", None)
        if extensions is not None and extensions.subscriptions:
            extensions.publish(self._telemetry_events(fv, outcome, billed))
        payload = outcome.payload if outcome.error is None else json.dumps(outcome.error).encode()
        return InvocationResult(
            request_id=outcome.request_id, function_name=config.name, version=fv.version,
            payload=payload if payload is not None else b"null", error=outcome.error, cold=outcome.cold,
            init_ms=outcome.init_ms, duration_ms=outcome.duration_ms, billed_ms=billed,
            memory_mb=config.memory_mb, max_memory_mb=outcome.max_memory_mb, environment_id=env.id,
            log_stream=env.log_stream, logs="\n".join(lines) + "\n", log_group=env.spec.log_group,
            restore_ms=outcome.restore_ms, billed_restore_ms=outcome.billed_restore_ms)

    def _text_platform_lines(self, fv: _FunctionVersion, outcome: Outcome, billed: int) -> list[str]:
        config = fv.config
        lines = []
        restored = outcome.restore_ms is not None
        if outcome.cold:
            lines.append(logs.init_start_line(config.runtime, self.region, phase="RESTORE" if restored else "INIT"))
        if outcome.init_output:
            lines.append(outcome.init_output.rstrip("\n"))
        if restored:
            lines.append(logs.restore_report_line(outcome.restore_ms))
        if outcome.init_status is not None:
            lines.append(logs.init_report_line(outcome.init_ms or 0.0, phase="init", status=outcome.init_status,
                                               error_type=outcome.error_type))
        lines.append(logs.start_line(outcome.request_id, fv.version))
        if outcome.output:
            lines.append(outcome.output.rstrip("\n"))
        lines.append(logs.end_line(outcome.request_id))
        lines.append(logs.report_line(outcome.request_id, duration_ms=outcome.duration_ms, billed=billed,
                                      memory_mb=config.memory_mb, max_memory_mb=outcome.max_memory_mb,
                                      init_ms=outcome.init_ms, status=outcome.status,
                                      error_type=outcome.error_type, restore_ms=outcome.restore_ms,
                                      billed_restore_ms=outcome.billed_restore_ms))
        return lines

    def _telemetry_events(self, fv: _FunctionVersion, outcome: Outcome, billed: int) -> list[dict]:
        """What a Telemetry API subscriber gets for one invocation: the platform.* events JSON logs
        carry (at every system log level), platform.initRuntimeDone and initReport after a cold
        start, and each line the function wrote as a ``function`` event."""
        events = []
        for line in self._json_platform_lines(fv, outcome, billed, every_level=True):
            event = _platform_event(line)
            if event is None:
                events += [{"time": logs.iso_timestamp(self.clock.now()), "type": "function", "record": text}
                           for text in line.splitlines() if text.strip()]
                continue
            if event["type"] == "platform.start" and outcome.cold and outcome.init_status is None:
                init = {"initializationType": "on-demand", "phase": "init", "status": "success"}
                events.append({"time": event["time"], "type": "platform.initRuntimeDone", "record": dict(init)})
                events.append({"time": event["time"], "type": "platform.initReport", "record": {
                    **init, "metrics": {"durationMs": round(outcome.init_ms or outcome.restore_ms or 0.0, 3)}}})
            events.append(event)
        return events

    def _json_platform_lines(self, fv: _FunctionVersion, outcome: Outcome, billed: int, *,
                             every_level: bool = False) -> list[str]:
        """LogFormat JSON: platform.* events instead of INIT_START/START/END/REPORT (at SystemLogLevel
        INFO and DEBUG; WARN leaves only the application's own lines and failed INITs)."""
        config, now = fv.config, self.clock.now()
        started = now - (outcome.duration_ms + (outcome.init_ms or 0.0)) / 1000
        info = every_level or config.system_log_level in ("DEBUG", "INFO")
        lines = []
        restored = outcome.restore_ms is not None
        if outcome.cold and info:
            name, arn = logs.runtime_version(config.runtime, self.region)
            if restored:
                lines.append(logs.platform_event("platform.restoreStart", {
                    "runtimeVersion": name, "runtimeVersionArn": arn, "functionName": config.name,
                    "functionVersion": fv.version}, started))
            else:
                lines.append(logs.platform_event("platform.initStart", {
                    "initializationType": "on-demand", "phase": "init", "runtimeVersion": name,
                    "runtimeVersionArn": arn, "functionName": config.name, "functionVersion": fv.version}, started))
        if outcome.init_output:
            lines.append(outcome.init_output.rstrip("\n"))
        if restored and info:
            lines.append(logs.platform_event("platform.restoreReport", {
                "status": "success", "metrics": {"durationMs": round(outcome.restore_ms, 3)}}, started))
        if outcome.init_status is not None:
            record = {"initializationType": "on-demand", "phase": "init", "status": outcome.init_status,
                      "metrics": {"durationMs": round(outcome.init_ms or 0.0, 3)}}
            if outcome.error_type:
                record["errorType"] = outcome.error_type
            lines.append(logs.platform_event("platform.initReport", record, started))
        invoked = now - outcome.duration_ms / 1000
        if info:
            lines.append(logs.platform_event("platform.start", {"requestId": outcome.request_id,
                                                                "version": fv.version}, invoked))
        if outcome.output:
            lines.append(outcome.output.rstrip("\n"))
        if not info:
            return lines
        status = logs.json_status(outcome.status, outcome.error is not None)
        done = {"requestId": outcome.request_id, "status": status,
                "metrics": {"durationMs": round(outcome.duration_ms, 3),
                            "producedBytes": len(outcome.payload or b"")}}
        report = {"requestId": outcome.request_id, "status": status,
                  "metrics": {"durationMs": round(outcome.duration_ms, 3), "billedDurationMs": billed,
                              "memorySizeMB": config.memory_mb, "maxMemoryUsedMB": outcome.max_memory_mb}}
        if outcome.init_ms is not None:
            report["metrics"]["initDurationMs"] = round(outcome.init_ms, 3)
        if restored:
            report["metrics"]["restoreDurationMs"] = round(outcome.restore_ms, 3)
            report["metrics"]["billedRestoreDurationMs"] = outcome.billed_restore_ms
        if status != "success" and outcome.error_type:
            done["errorType"] = report["errorType"] = outcome.error_type
        lines.append(logs.platform_event("platform.runtimeDone", done, now))
        lines.append(logs.platform_event("platform.report", report, now))
        return lines


def _platform_event(line: str) -> dict | None:
    """A platform.* event line of JSON logs, parsed; None for the function's own lines."""
    if not line.startswith('{"time":'):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and str(event.get("type", "")).startswith("platform.") else None


def _trace_id(epoch_s: float) -> str:
    return f"Root=1-{int(epoch_s):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
