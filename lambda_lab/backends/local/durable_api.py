"""Lambda's durable execution API (2025-12-01) on the lab endpoint, and DurableConfig on functions.

moto 5.2.5 has none of it: it drops ``DurableConfig`` at CreateFunction and answers 404 to every
durable execution operation. This middleware sits in front of the Lambda middleware and:

- keeps each function's ``DurableConfig`` and adds it to what moto answers for the function
  (CreateFunction, GetFunction, GetFunctionConfiguration, UpdateFunctionConfiguration,
  ListFunctions, PublishVersion);
- starts a durable execution when a durable function is invoked (synchronously: the call waits
  for the whole execution, as on AWS; ``Event``: 202 at once), answering with
  ``X-Amz-Durable-Execution-Arn``;
- answers CheckpointDurableExecution and GetDurableExecutionState (the SDK calls them from inside
  the handler, through the worker's ``AWS_ENDPOINT_URL``), GetDurableExecution,
  GetDurableExecutionHistory, ListDurableExecutionsByFunction, Stop/Pause/Resume/Delete, and the
  three callback operations.

Shapes and paths are botocore's Lambda model; https://docs.aws.amazon.com/lambda/latest/api/
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qs, unquote

from ...errors import InvalidParameterValueError, RequestEntityTooLargeError
from ...durable import DurableExecutionService, DurableTarget
from ...runtime.limits import ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT
from .lambda_api import _name_and_qualifier
from .routing import json_object as _json, PassThrough as _PassThrough, RoutedMiddleware

__all__ = ["DurableApiMiddleware", "validate_durable_config", "SYNC_INVOKE_LIMIT_S"]

_V = "/2025-12-01"
_ARN = r"(?P<arn>arn:[^/]+/durable-execution/[^/]+/[^/]+?)"
_ROUTES = [
    ("POST", re.compile(_V + "/durable-executions/" + _ARN + r"/checkpoint/?$"), "checkpoint"),
    ("GET", re.compile(_V + "/durable-executions/" + _ARN + r"/state/?$"), "state"),
    ("GET", re.compile(_V + "/durable-executions/" + _ARN + r"/history/?$"), "history"),
    ("POST", re.compile(_V + "/durable-executions/" + _ARN + r"/stop/?$"), "stop"),
    ("POST", re.compile(_V + "/durable-executions/" + _ARN + r"/pause/?$"), "pause"),
    ("POST", re.compile(_V + "/durable-executions/" + _ARN + r"/resume/?$"), "resume"),
    ("GET", re.compile(_V + "/durable-executions/" + _ARN + r"/?$"), "get"),
    ("DELETE", re.compile(_V + "/durable-executions/" + _ARN + r"/?$"), "delete"),
    ("POST", re.compile(_V + r"/durable-execution-callbacks/(?P<id>.+)/succeed/?$"), "callback_success"),
    ("POST", re.compile(_V + r"/durable-execution-callbacks/(?P<id>.+)/fail/?$"), "callback_failure"),
    ("POST", re.compile(_V + r"/durable-execution-callbacks/(?P<id>.+)/heartbeat/?$"), "callback_heartbeat"),
    ("GET", re.compile(_V + r"/functions/(?P<name>[^/]+)/durable-executions/?$"), "list_executions"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/invocations/?$"), "invoke"),
    # Function configuration: moto answers, we keep and add DurableConfig.
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "create_function"),
    ("PUT", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/configuration/?$"), "update_configuration"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)(/configuration)?/?$"), "decorate_function"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "decorate_list"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/versions/?$"), "decorate_function"),
    ("DELETE", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/?$"), "delete_function"),
]
#: AWS: a synchronous invocation of a durable function waits at most 15 minutes.
SYNC_INVOKE_LIMIT_S = 900.0
#: Runtimes AWS offers durable functions on (the lab runs its own Python for all python3.x).
DURABLE_RUNTIMES = ("python3.13", "python3.14", "nodejs22.x", "nodejs24.x")

Response = tuple[int, dict[str, str], bytes]


def validate_durable_config(config) -> dict:
    """DurableConfig as AWS accepts it: ExecutionTimeout 1-31,622,400 s (required), retention 1-90 days (14)."""
    if not isinstance(config, dict):
        raise InvalidParameterValueError("DurableConfig must be an object such as "
                                         '{"ExecutionTimeout": 3600, "RetentionPeriodInDays": 7}.')
    unknown = set(config) - {"ExecutionTimeout", "RetentionPeriodInDays", "KMSKeyArn"}
    if unknown:
        raise InvalidParameterValueError(f"DurableConfig has unknown keys {sorted(unknown)}: use ExecutionTimeout "
                                         "and RetentionPeriodInDays.")
    timeout, retention = config.get("ExecutionTimeout"), config.get("RetentionPeriodInDays", 14)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 31_622_400:
        raise InvalidParameterValueError(
            f"DurableConfig.ExecutionTimeout must be a whole number of seconds from 1 to 31622400 (366 days); "
            f"got {timeout!r}.")
    if not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= 90:
        raise InvalidParameterValueError(
            f"DurableConfig.RetentionPeriodInDays must be from 1 to 90 days; got {retention!r}.")
    return {**config, "ExecutionTimeout": timeout, "RetentionPeriodInDays": retention}


class DurableApiMiddleware(RoutedMiddleware):
    routes = _ROUTES

    def __init__(self, app: Callable, *, service: DurableExecutionService, bridge):
        super().__init__(app)
        self.service = service
        self._bridge = bridge
        self._configs: dict[str, dict] = {}
        self._lock = threading.Lock()

    # -- what the service needs ---------------------------------------------------------------

    def durable_config(self, function_name: str) -> dict | None:
        with self._lock:
            config = self._configs.get(function_name)
            return dict(config) if config else None

    def resolve(self, name: str, qualifier: str | None) -> DurableTarget:
        fn = self._bridge.resolve(name, qualifier)
        return DurableTarget(function_name=fn.function_name, qualifier=qualifier or "$LATEST",
                             version=str(fn.version), function_arn=self._bridge.service._arn(fn.function_name),
                             durable_config=self.durable_config(fn.function_name))

    def run(self, target: DurableTarget, payload: bytes):
        fn = self._bridge.resolve(target.function_name, target.version if target.version != "$LATEST" else None)
        return self._bridge.invoke(fn, payload)

    def reset(self) -> None:
        with self._lock:
            self._configs.clear()
        self.service.reset()

    # -- function configuration ------------------------------------------------------------

    def create_function(self, environ: dict, match: re.Match, body: bytes) -> Response:
        spec = _json(body)
        if "DurableConfig" not in spec:
            raise _PassThrough
        config = validate_durable_config(spec.pop("DurableConfig"))
        runtime = spec.get("Runtime", "")
        if runtime and runtime not in DURABLE_RUNTIMES and runtime != "provided.al2023":
            raise InvalidParameterValueError(
                f"Durable functions are not available for runtime {runtime}: use one of "
                f"{', '.join(DURABLE_RUNTIMES)} (or a container image).")
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status < 300:
            with self._lock:
                self._configs[spec.get("FunctionName", "").rsplit(":", 1)[-1]] = config
            payload = _with_config(payload, config)
        return status, headers, payload

    def update_configuration(self, environ: dict, match: re.Match, body: bytes) -> Response:
        spec = _json(body)
        name = _function_name(match)
        current = self.durable_config(name)
        if "DurableConfig" in spec:
            # AWS turns durable execution on at creation only; its settings can change later.
            if current is None:
                raise InvalidParameterValueError(
                    f"Function {name} was not created with DurableConfig, and durable execution cannot be turned "
                    "on afterwards: create a new function with DurableConfig.")
            current = validate_durable_config({**current, **(spec.pop("DurableConfig") or {})})
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status < 300 and current is not None:
            with self._lock:
                self._configs[name] = current
            payload = _with_config(payload, current)
        return status, headers, payload

    def decorate_function(self, environ: dict, match: re.Match, body: bytes) -> Response:
        config = self.durable_config(_function_name(match))
        if config is None:
            raise _PassThrough
        status, headers, payload = self.passed_on(environ, body)
        return status, headers, (_with_config(payload, config) if status < 300 else payload)

    def decorate_list(self, environ: dict, match: re.Match, body: bytes) -> Response:
        status, headers, payload = self.passed_on(environ, body)
        if status >= 300:
            return status, headers, payload
        answer = json.loads(payload)
        for fn in answer.get("Functions", []):
            config = self.durable_config(fn.get("FunctionName", ""))
            if config is not None:
                fn["DurableConfig"] = config
        return status, headers, json.dumps(answer).encode()

    def delete_function(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, qualifier = _name_and_qualifier(match, environ)
        status, headers, payload = self.passed_on(environ, body)
        if status < 300 and qualifier is None:
            with self._lock:
                self._configs.pop(name.rsplit(":", 1)[-1], None)
        return status, headers, payload

    # -- Invoke -----------------------------------------------------------------------------

    def invoke(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, qualifier = _name_and_qualifier(match, environ)
        function_name = self._bridge.resolve(name, qualifier).function_name
        if self.durable_config(function_name) is None:
            raise _PassThrough
        if not qualifier:
            # AWS: "Durable functions must be invoked with a qualified ARN" (a version, an alias or $LATEST).
            raise InvalidParameterValueError(
                f"Function {function_name} is a durable function: invoke it with a qualifier, e.g. "
                f"FunctionName='{function_name}:$LATEST' or Qualifier='$LATEST' (or a version or alias).")
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        limit = ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT
        if len(body) > limit:
            raise RequestEntityTooLargeError(f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
        if invocation_type == "DryRun":
            return 204, {}, b""
        _check_json(body)
        target = self.resolve(name, qualifier)
        execution, _ = self.service.start(target, body, name=environ.get("HTTP_X_AMZ_DURABLE_EXECUTION_NAME"))
        headers = {"X-Amz-Durable-Execution-Arn": execution.arn, "X-Amz-Executed-Version": target.version}
        if invocation_type == "Event":
            return 202, headers, b""
        ended = self.service.wait(execution.arn, SYNC_INVOKE_LIMIT_S)
        if ended.status == "SUCCEEDED":
            return 200, headers, (ended.result or "null").encode()
        if ended.status == "RUNNING":
            error = {"errorType": "Sandbox.Timedout",
                     "errorMessage": f"The durable execution is still running after {SYNC_INVOKE_LIMIT_S:.0f} s, the "
                                     "limit of a synchronous invocation: invoke with InvocationType='Event' instead."}
        else:
            error = {"errorType": (ended.error or {}).get("ErrorType", ended.status),
                     "errorMessage": (ended.error or {}).get("ErrorMessage", f"Durable execution {ended.status}")}
        return 200, {**headers, "X-Amz-Function-Error": "Unhandled"}, json.dumps(error).encode()

    # -- the durable execution API ---------------------------------------------------------

    def checkpoint(self, environ: dict, match: re.Match, body: bytes) -> Response:
        spec = _json(body)
        if not spec.get("CheckpointToken"):
            raise InvalidParameterValueError("CheckpointToken is required.")
        answer = self.service.checkpoint(_arn(match), spec["CheckpointToken"], spec.get("Updates") or [],
                                         spec.get("ClientToken"))
        return 200, {}, json.dumps(answer).encode()

    def state(self, environ: dict, match: re.Match, body: bytes) -> Response:
        query = _query(environ)
        answer = self.service.state(_arn(match), query.get("CheckpointToken", ""), query.get("Marker"),
                                    _int(query.get("MaxItems")))
        return 200, {}, json.dumps(answer).encode()

    def get(self, environ: dict, match: re.Match, body: bytes) -> Response:
        include = _query(environ).get("IncludeExecutionData", "true").lower() != "false"
        return 200, {}, json.dumps(self.service.get(_arn(match), include_data=include)).encode()

    def history(self, environ: dict, match: re.Match, body: bytes) -> Response:
        query = _query(environ)
        answer = self.service.history(_arn(match), include_data=query.get("IncludeExecutionData", "").lower() == "true",
                                      marker=query.get("Marker"), max_items=_int(query.get("MaxItems")),
                                      reverse=query.get("ReverseOrder", "").lower() == "true")
        return 200, {}, json.dumps(answer).encode()

    def list_executions(self, environ: dict, match: re.Match, body: bytes) -> Response:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        first = {k: v[0] for k, v in query.items()}
        name, qualifier = _name_and_qualifier(match, environ)
        function_name = self._bridge.resolve(name).function_name
        answer = self.service.list_by_function(
            function_name, qualifier=qualifier, name=first.get("DurableExecutionName"),
            statuses=query.get("Statuses"), started_after=_time(first.get("StartedAfter")),
            started_before=_time(first.get("StartedBefore")),
            reverse=first.get("ReverseOrder", "").lower() == "true", marker=first.get("Marker"),
            max_items=_int(first.get("MaxItems")))
        return 200, {}, json.dumps(answer).encode()

    def stop(self, environ: dict, match: re.Match, body: bytes) -> Response:
        stopped = self.service.stop(_arn(match), _json(body).get("Error"))
        return 200, {}, json.dumps({"StopTimestamp": stopped}).encode()

    def pause(self, environ: dict, match: re.Match, body: bytes) -> Response:
        spec = _json(body)
        self.service.pause(_arn(match), spec.get("Reason"), bool(spec.get("ExecutionTimeoutPaused")))
        return 202, {}, b"{}"

    def resume(self, environ: dict, match: re.Match, body: bytes) -> Response:
        self.service.resume(_arn(match), _json(body).get("Reason"))
        return 202, {}, b"{}"

    def delete(self, environ: dict, match: re.Match, body: bytes) -> Response:
        deleted = self.service.delete(_arn(match))
        return 202, {}, json.dumps({"DeletionRequestTimestamp": deleted}).encode()

    def callback_success(self, environ: dict, match: re.Match, body: bytes) -> Response:
        if len(body) > 256 * 1024:
            raise RequestEntityTooLargeError("Callback result must be at most 262144 bytes.")
        self.service.callback_success(unquote(match["id"]), body)
        return 200, {}, b"{}"

    def callback_failure(self, environ: dict, match: re.Match, body: bytes) -> Response:
        self.service.callback_failure(unquote(match["id"]), _json(body) or None)
        return 200, {}, b"{}"

    def callback_heartbeat(self, environ: dict, match: re.Match, body: bytes) -> Response:
        self.service.callback_heartbeat(unquote(match["id"]))
        return 200, {}, b"{}"


def _with_config(payload: bytes, config: dict) -> bytes:
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload
    target = answer.get("Configuration", answer) if isinstance(answer, dict) else None
    if isinstance(target, dict):
        target["DurableConfig"] = dict(config)
    return json.dumps(answer).encode()


def _check_json(body: bytes) -> None:
    from ...errors import InvalidRequestContentError
    if body:
        try:
            json.loads(body)
        except ValueError:
            raise InvalidRequestContentError("Could not parse request body into json: the payload must be JSON.") from None


def _function_name(match: re.Match) -> str:
    name = unquote(match["name"])
    if name.startswith("arn:"):
        return name.split(":")[6]
    return name.split(":", 1)[0]


def _arn(match: re.Match) -> str:
    return unquote(match["arn"])


def _query(environ: dict) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _int(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidParameterValueError(f"MaxItems must be a whole number; got {value!r}.") from None


def _time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
