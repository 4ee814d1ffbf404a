"""The one hook: moto's Lambda control plane, our data plane.

moto stores functions, versions, aliases and configuration, and calls
``LambdaFunction._invoke_lambda`` for direct Invoke and for the S3, SQS, SNS, DynamoDB-stream and
Kinesis triggers (its own Docker path lives there). We replace that method so every one of those
paths runs the function in the local Lambda service. moto is pinned because this is private API.

Functions are synchronised lazily: before each invocation the moto function's code and
configuration are compared with what the service runs, and a change retires the old
environments, exactly as a code or configuration update does on AWS.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from moto.awslambda.models import LambdaFunction, lambda_backends

from ...errors import (InvalidParameterValueError, LambdaLabError, NoPublishedVersionError, RecursiveInvocationError,
                       ResourceNotFoundError, TooManyRequestsError)
from ...runtime import FunctionConfig, InvocationResult, LambdaService
from .managed_instances import LATEST_PUBLISHED, MANAGED_STATE, latest_published, managed_config_of, managed_settings_of
from .recursion import check_recursion
from .snapstart import SNAPSHOT_STATE, snap_start_of, snapshot_state
from .tenancy import check_tenant

__all__ = ["MotoLambdaBridge", "logging_config_of", "default_logging_config", "LOGGING_CONFIG"]

#: Where a function's LoggingConfig (which moto drops; see logging_config.py) lives on moto's
#: LambdaFunction: deep-copied with it when a version is published, as a version keeps its own.
LOGGING_CONFIG = "lambda_lab_logging_config"


def default_logging_config(function_name: str) -> dict:
    return {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"}


def logging_config_of(fn: LambdaFunction) -> dict:
    """The LoggingConfig of one moto function (or version)."""
    return dict(getattr(fn, LOGGING_CONFIG, None) or default_logging_config(fn.function_name))

InvocationListener = Callable[[InvocationResult, LambdaFunction], None]
ThrottleListener = Callable[[LambdaFunction], None]

_active: "MotoLambdaBridge | None" = None
_original_invoke_lambda = LambdaFunction._invoke_lambda


def _invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """Replaces moto's method: (payload, errored, logs) from a real run."""
    bridge = _active
    if bridge is None:
        return _original_invoke_lambda(self, event)
    return bridge.invoke_for_moto(self, event)


class MotoLambdaBridge:
    """Runs moto's functions in the local Lambda service and reports each invocation."""

    def __init__(self, service: LambdaService, *, account_id: str, region: str):
        self.service = service
        self.account_id = account_id
        self.region = region
        self.on_invocation: list[InvocationListener] = []
        self.on_throttle: list[ThrottleListener] = []
        #: Called when recursive loop detection stops an invocation (recursion.py).
        self.on_recursion_stop: list[ThrottleListener] = []
        self.on_stream: Callable[[LambdaFunction, dict], None] | None = None
        #: Called when PublishVersion has taken a SnapStart snapshot (or failed to): (version, SnapshotInit).
        self.on_snapshot: list[Callable] = []
        self._sync_lock = threading.Lock()

    # -- installing the hook --------------------------------------------------------------

    def install(self) -> None:
        global _active
        _active = self
        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]

    def uninstall(self) -> None:
        global _active
        if _active is self:
            _active = None
            LambdaFunction._invoke_lambda = _original_invoke_lambda  # type: ignore[method-assign]

    # -- moto's functions -----------------------------------------------------------------

    @property
    def backend(self):
        return lambda_backends[self.account_id][self.region]

    def resolve(self, name_or_arn: str, qualifier: str | None = None) -> LambdaFunction:
        """The moto function (a version, for a version or alias qualifier)."""
        if qualifier == LATEST_PUBLISHED:
            name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
            newest = latest_published(self.backend, name)
            if newest is None:
                self.resolve(name)   # ResourceNotFoundException for a function that does not exist
                raise NoPublishedVersionError(
                    f"The function {name} has no published versions available. On a capacity provider an "
                    "unqualified call runs $LATEST.PUBLISHED, the newest published version: publish one first "
                    "(PublishVersion; fn.publish_version() in the lab).")
            return newest
        try:
            return self.backend.get_function(name_or_arn, qualifier)
        except Exception as exc:  # moto's UnknownFunctionException and friends
            raise ResourceNotFoundError(str(getattr(exc, "message", "")) or
                                        f"Function not found: {name_or_arn}" + (f":{qualifier}" if qualifier else "")) from None

    def resolve_invocable(self, name_or_arn: str, qualifier: str | None = None) -> LambdaFunction:
        """The version an Invoke runs: as ``resolve``, except that a function on a capacity provider
        runs ``$LATEST.PUBLISHED`` when unqualified and refuses ``$LATEST``."""
        fn = self.resolve(name_or_arn, qualifier)
        if managed_config_of(fn) is None or str(fn.version) != "$LATEST":
            return fn
        if qualifier == "$LATEST":
            raise InvalidParameterValueError(
                f"{fn.function_name} runs on a capacity provider (Lambda Managed Instances): its $LATEST cannot be "
                "invoked. Publish a version (PublishVersion) and invoke it, or invoke without a qualifier to run "
                "$LATEST.PUBLISHED.")
        return self.resolve(fn.function_name, LATEST_PUBLISHED)

    def version_of(self, fn: LambdaFunction) -> str:
        return str(fn.version)

    def sync(self, fn: LambdaFunction) -> str:
        """Make the service run exactly what moto holds for this function version."""
        version = self.version_of(fn)
        logging = logging_config_of(fn)
        config = FunctionConfig(
            name=fn.function_name, code=fn.code_bytes, handler=fn.handler or "", runtime=fn.run_time or "",
            memory_mb=int(fn.memory_size), timeout_s=int(fn.timeout),
            environment=dict(fn.environment_vars or {}), layers=tuple(self._layer_bytes(fn)),
            log_format=logging["LogFormat"], application_log_level=logging.get("ApplicationLogLevel", "INFO"),
            system_log_level=logging.get("SystemLogLevel", "INFO"), log_group=logging["LogGroup"],
            snap_start=snap_start_of(fn), managed=managed_settings_of(fn))
        with self._sync_lock:
            self.service.deploy_version(config, version)
            reserved = fn.reserved_concurrency
            self.service.ledger.reserve(fn.function_name, None if reserved in (None, "") else int(reserved))
        return version

    def snapshot(self, fn: LambdaFunction) -> None:
        """SnapStart: a version just published runs INIT and is snapshotted; its State says how it went."""
        if not snap_start_of(fn) or self.version_of(fn) == "$LATEST":
            return
        init = self.service.take_snapshot(fn.function_name, self.sync(fn))
        setattr(fn, SNAPSHOT_STATE, snapshot_state(init))
        for listener in self.on_snapshot:
            listener(fn, init)

    def start_managed(self, fn: LambdaFunction) -> None:
        """Managed Instances: a version just published starts its environments; its State says how it went."""
        version = self.sync(fn)
        pool = self.service.managed_pool(fn.function_name, version)
        if pool is None:
            return
        ok = pool.start()
        if ok:
            setattr(fn, MANAGED_STATE, {"State": "Active"})
            return
        error = pool.init_error or {}
        code = "FunctionError.InitTimeout" if error.get("errorType") == "Sandbox.Timedout" else \
            "FunctionError.RuntimeInitError"
        setattr(fn, MANAGED_STATE, {
            "State": "Failed", "StateReasonCode": code,
            "StateReason": f"{error.get('errorType', 'Runtime.Unknown')}: {error.get('errorMessage', '')}".strip()})

    def scale_managed(self, fn: LambdaFunction, minimum: int, maximum: int) -> None:
        """PutFunctionScalingConfig: the version's environments start or stop to match."""
        self.service.set_scaling(fn.function_name, self.sync(fn), minimum, maximum)

    def _layer_bytes(self, fn: LambdaFunction) -> list[bytes]:
        layers = []
        for layer in fn.layers or []:
            arn = layer["Arn"] if isinstance(layer, dict) else layer
            found = self.backend._layers.get_layer_version_by_arn(arn)
            if found is None:
                raise ResourceNotFoundError(f"Layer version {arn} does not exist: publish it first "
                                            "(publish_layer_version) or fix the ARN.")
            layers.append(found.code_bytes)
        return layers

    # -- invoking -------------------------------------------------------------------------

    def invoke(self, fn: LambdaFunction, payload: bytes, *, asynchronous: bool = False,
               client_context: str | None = None, trace_header: str | None = None,
               tenant_id: str | None = None, on_chunk=None) -> InvocationResult:
        """One real invocation. Raises TooManyRequestsError, RecursiveInvocationError and the other API errors.

        ``trace_header`` is the X-Ray header the event arrived with, which carries its chain of
        requests; None for an event from outside any chain (and from services AWS does not follow).
        ``tenant_id``: the tenant of a function with tenant isolation (tenancy.py), required there
        and refused elsewhere.
        """
        check_tenant(self.resolve(fn.function_name), tenant_id)   # the setting is the function's
        if managed_config_of(fn) is not None and str(fn.version) == "$LATEST":
            fn = self.resolve(fn.function_name, LATEST_PUBLISHED)   # a trigger or an unqualified call
        version = self.sync(fn)
        trace_id = self._trace_for(fn, trace_header)
        try:
            result = self.service.invoke(fn.function_name, payload, version, asynchronous=asynchronous,
                                         client_context=client_context, trace_id=trace_id, tenant_id=tenant_id,
                                         on_chunk=on_chunk)
        except TooManyRequestsError:
            for listener in self.on_throttle:
                listener(fn)
            raise
        for listener in self.on_invocation:
            listener(result, fn)
        return result

    def _trace_for(self, fn: LambdaFunction, trace_header: str | None) -> str:
        latest = self.resolve(fn.function_name)  # the setting is the function's, whatever the version
        try:
            return check_recursion(latest, fn.function_arn, trace_header, self.service.clock.now())
        except RecursiveInvocationError:
            for listener in self.on_recursion_stop:
                listener(fn)
            raise

    def invoke_for_moto(self, fn: LambdaFunction, event: Any) -> tuple[str, bool, str]:
        """moto's triggers call this: answer in its (payload, errored, logs) form, never raise."""
        if isinstance(event, (bytes, str)):
            try:
                event = json.loads(event)
            except ValueError:
                pass
        records = event.get("Records") if isinstance(event, dict) else None
        source = records[0].get("eventSource") if records and isinstance(records[0], dict) else None
        if source in ("aws:dynamodb", "aws:kinesis") and self.on_stream is not None:
            self.on_stream(fn, event)  # Lambda reads streams in the background, not in the writer's call
            return "null", False, ""
        payload = event if isinstance(event, (bytes, str)) else json.dumps({} if event is None else event)
        try:
            result = self.invoke(fn, payload.encode() if isinstance(payload, str) else payload)
        except LambdaLabError as exc:
            document = {"errorType": exc.aws_code or type(exc).__name__, "errorMessage": str(exc)}
            return json.dumps(document), True, ""
        return result.payload.decode("utf-8", errors="replace"), result.error is not None, result.logs
