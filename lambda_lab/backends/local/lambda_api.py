"""The parts of Lambda's HTTP API that the local lab answers itself, in front of moto.

moto answers the control plane. We answer Invoke (so throttling, payload limits, ``LogType=Tail``
and ``InvocationType=Event`` behave as on AWS), provisioned concurrency, GetAccountSettings and
the recursion config (moto 5.2.5 has none of them), and we check reserved concurrency against the
lab's account limit before moto stores it. Everything else passes through untouched.
"""

from __future__ import annotations

import base64
import io
import json
import queue
import re
import threading
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator
from urllib.parse import parse_qs, unquote

from ...errors import InvalidParameterValueError, LambdaLabError, RequestEntityTooLargeError
from ...runtime.limits import (ASYNC_PAYLOAD_LIMIT, UNZIPPED_CODE_LIMIT, ZIPPED_CODE_LIMIT, validate_memory,
                               validate_timeout)
from ...runtime.runtimes import runtime_for
from ...runtime.service import validate_environment
from .async_invoke import AsyncInvoker
from .bridge import MotoLambdaBridge
from .event_filter import validate_filter_criteria
from .event_stream import invoke_complete, payload_chunk
from .http_front import status_line
from .routing import PassThrough as _PassThrough, RoutedMiddleware, Response
from .routing import aws_error as _error_response, error_response as _error
from .recursion import current_trace_header, recursive_loop_of, set_recursive_loop
from .tenancy import check_tenant, refuse_for_isolated

__all__ = ["LambdaApiMiddleware"]

_FUNCTION = r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)"
_ROUTES = [
    ("POST", re.compile(_FUNCTION + r"/invocations/?$"), "invoke"),
    ("POST", re.compile(_FUNCTION + r"/invoke-async/?$"), "invoke_async"),
    ("POST", re.compile(_FUNCTION + r"/response-streaming-invocations/?$"), "invoke_with_response_stream"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/event-source-mappings/?$"), "check_event_source_mapping"),
    ("PUT", re.compile(r"/(?P<api>[0-9-]+)/event-source-mappings/[^/]+/?$"), "check_event_source_mapping"),
    ("PUT", re.compile(_FUNCTION + r"/provisioned-concurrency/?$"), "put_provisioned"),
    ("GET", re.compile(_FUNCTION + r"/provisioned-concurrency/?$"), "get_provisioned"),
    ("DELETE", re.compile(_FUNCTION + r"/provisioned-concurrency/?$"), "delete_provisioned"),
    ("PUT", re.compile(_FUNCTION + r"/concurrency/?$"), "put_reserved"),
    ("DELETE", re.compile(_FUNCTION + r"/concurrency/?$"), "delete_reserved"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/account-settings/?$"), "account_settings"),
    ("PUT", re.compile(_FUNCTION + r"/recursion-config/?$"), "put_recursion_config"),
    ("GET", re.compile(_FUNCTION + r"/recursion-config/?$"), "get_recursion_config"),
    ("DELETE", re.compile(_FUNCTION + r"/?$"), "delete_function"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/url/?$"), "check_function_url"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "check_configuration"),
    ("PUT", re.compile(_FUNCTION + r"/configuration/?$"), "check_configuration"),
]
_LOG_TAIL_BYTES = 4096



class LambdaApiMiddleware(RoutedMiddleware):
    routes = _ROUTES
    streaming = ("invoke_with_response_stream",)

    def __init__(self, app: Callable, *, bridge: MotoLambdaBridge, invoker: AsyncInvoker):
        super().__init__(app)
        self._bridge = bridge
        self._invoker = invoker
        self.dead_letter_targets: dict[str, str] = {}
        self._provisioned: dict[tuple[str, str], dict] = {}
        self._lock = threading.Lock()

    # -- Invoke ---------------------------------------------------------------------------

    def invoke(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, qualifier = _name_and_qualifier(match, environ)
        fn = self._bridge.resolve_invocable(name, qualifier)
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        version = str(fn.version)
        tenant_id = environ.get("HTTP_X_AMZ_TENANT_ID")
        check_tenant(self._bridge.resolve(fn.function_name), tenant_id)   # refused at once, whatever the type
        if invocation_type == "DryRun":
            return 204, {}, b""
        if invocation_type == "Event":
            if len(body) > ASYNC_PAYLOAD_LIMIT:
                raise RequestEntityTooLargeError(
                    f"Request must be smaller than {ASYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation")
            arn = fn.function_arn if qualifier else self._bridge.service._arn(fn.function_name)
            # A stopped recursive invocation is stopped in the queue, not here: the caller gets its 202.
            request_id = self._invoker.submit(name=fn.function_name, qualifier=qualifier, function_arn=arn,
                                              payload=body, trace_header=current_trace_header(),
                                              tenant_id=tenant_id)
            return 202, {"x-amzn-RequestId": request_id}, b""
        client_context = environ.get("HTTP_X_AMZ_CLIENT_CONTEXT")
        if client_context:
            client_context = base64.b64decode(client_context).decode("utf-8", errors="replace")
        # Loops of Lambda functions invoking each other synchronously are detected too
        # (invocation-recursion.html): RecursiveInvocationException goes back to the caller.
        result = self._bridge.invoke(fn, body or b"{}", client_context=client_context,
                                     trace_header=current_trace_header(), tenant_id=tenant_id)
        # The log stream names the execution environment; AWS does not send it (lambda_lab's own header).
        headers = {"X-Amz-Executed-Version": version, "X-Lambda-Lab-Log-Stream": result.log_stream,
                   "x-amzn-RequestId": result.request_id}
        if result.error is not None:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if environ.get("HTTP_X_AMZ_LOG_TYPE") == "Tail":
            tail = result.logs.encode()[-_LOG_TAIL_BYTES:]
            headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
        return 200, headers, result.payload

    def invoke_with_response_stream(self, environ: dict, match: re.Match, body: bytes,
                                    start_response: Callable) -> Iterable[bytes]:
        """InvokeWithResponseStream: the function's response as an event stream, chunk by chunk.

        A streaming function's chunks (Node.js ``awslambda.streamifyResponse``, or a custom
        runtime's streamed /response) go out as they are written; a buffered function's answer
        goes out as one PayloadChunk when it ends. ``InvokeComplete`` ends the stream, with
        ``ErrorCode``/``ErrorDetails`` if the function failed and the log tail if asked.
        https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html
        """
        chunks: queue.Queue = queue.Queue()
        try:
            name, qualifier = _name_and_qualifier(match, environ)
            fn = self._bridge.resolve_invocable(name, qualifier)
            tenant_id = environ.get("HTTP_X_AMZ_TENANT_ID")
            check_tenant(self._bridge.resolve(fn.function_name), tenant_id)
            if environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse") not in ("RequestResponse", "DryRun"):
                raise InvalidParameterValueError("InvokeWithResponseStream's InvocationType is RequestResponse or DryRun.")
        except LambdaLabError as exc:
            return self._answer(start_response, *_error(exc))
        version, trace_header = str(fn.version), current_trace_header()
        tail = environ.get("HTTP_X_AMZ_LOG_TYPE") == "Tail"
        if environ.get("HTTP_X_AMZ_INVOCATION_TYPE") == "DryRun":
            return self._answer(start_response, 204, {}, b"")

        def run() -> None:
            try:
                result = self._bridge.invoke(fn, body or b"{}", trace_header=trace_header, tenant_id=tenant_id,
                                             on_chunk=lambda chunk, kind: chunks.put(("chunk", (chunk, kind))))
            except LambdaLabError as exc:
                chunks.put(("refused", exc))
            else:
                chunks.put(("done", result))
        threading.Thread(target=run, name=f"stream-{fn.function_name}", daemon=True).start()
        kind, value = chunks.get()
        if kind == "refused":   # throttled, or a recursive loop stopped: no stream starts
            return self._answer(start_response, *_error(value))
        # ResponseStreamContentType: the type the function's stream declares (a buffered one's is JSON).
        content_type = value[1] if kind == "chunk" else "application/json"
        start_response("200 OK", [("Content-Type", content_type), ("X-Amz-Executed-Version", version)])

        def events() -> Iterator[bytes]:
            nonlocal kind, value
            streamed = False
            while kind == "chunk":
                streamed = True
                yield payload_chunk(value[0])
                kind, value = chunks.get()
            result = value
            if result.error is None and not streamed and result.payload:
                yield payload_chunk(result.payload)   # a buffered function's answer, all at once
            log = base64.b64encode(result.logs.encode()[-_LOG_TAIL_BYTES:]).decode() if tail else None
            error = result.error or {}
            yield invoke_complete(error_code=error.get("errorType") if result.error is not None else None,
                                  error_details=error.get("errorMessage") if result.error is not None else None,
                                  log_result=log)
        return events()

    @staticmethod
    def _answer(start_response: Callable, status: int, headers: dict, payload: bytes) -> Iterable[bytes]:
        start_response(status_line(status), [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(payload))), *headers.items()])
        return [payload]

    def invoke_async(self, environ: dict, match: re.Match, body: bytes) -> Response:
        """InvokeAsync (deprecated by AWS, still in its API): an Event invocation, answered {"Status": 202}."""
        name, qualifier = _name_and_qualifier(match, environ)
        fn = self._bridge.resolve_invocable(name, qualifier)
        if len(body) > ASYNC_PAYLOAD_LIMIT:
            raise RequestEntityTooLargeError(
                f"Request must be smaller than {ASYNC_PAYLOAD_LIMIT} bytes for the InvokeAsync operation")
        request_id = self._invoker.submit(name=fn.function_name, qualifier=qualifier,
                                          function_arn=self._bridge.service._arn(fn.function_name), payload=body,
                                          trace_header=current_trace_header())
        return 202, {"x-amzn-RequestId": request_id}, json.dumps({"Status": 202}).encode()

    # -- CreateEventSourceMapping / UpdateEventSourceMapping ---------------------------------

    def check_event_source_mapping(self, environ: dict, match: re.Match, body: bytes) -> Response:
        """A FilterCriteria whose patterns are not JSON patterns is refused, in AWS's words; moto stores the rest."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise _PassThrough() from None
        if isinstance(request, dict):
            validate_filter_criteria(request.get("FilterCriteria"))
            if request.get("FunctionName"):
                try:
                    target = self._bridge.resolve(str(request["FunctionName"]))
                except LambdaLabError:
                    target = None   # moto answers for an unknown function
                if target is not None:
                    refuse_for_isolated(target, "An event source mapping")
        raise _PassThrough()

    def check_function_url(self, environ: dict, match: re.Match, body: bytes) -> Response:
        """CreateFunctionUrlConfig: refused for a function with tenant isolation; moto creates the rest."""
        try:
            fn = self._bridge.resolve(unquote(match["name"]))
        except LambdaLabError:
            raise _PassThrough() from None
        refuse_for_isolated(fn, "A function URL")
        raise _PassThrough()

    # -- DeleteFunction -------------------------------------------------------------------

    def delete_function(self, environ: dict, match: re.Match, body: bytes) -> Response:
        """moto forgets the function; its execution environments end with it, as on AWS."""
        name, qualifier = _name_and_qualifier(match, environ)
        environ["wsgi.input"] = io.BytesIO(body)
        answered: dict = {}

        def start_response(status: str, headers: list, exc_info=None) -> None:
            answered["status"], answered["headers"] = int(status.split()[0]), headers

        payload = b"".join(self._app(environ, start_response))
        if answered["status"] < 300 and qualifier is None:
            self._bridge.service.delete_function_if_present(name.rsplit(":", 1)[-1])
        headers = {k: v for k, v in answered["headers"] if k.lower() not in ("content-type", "content-length")}
        return answered["status"], headers, payload

    def reset(self) -> None:
        """Forget what this middleware holds beside moto (a fresh account)."""
        with self._lock:
            self.dead_letter_targets.clear()
            self._provisioned.clear()

    # -- concurrency ----------------------------------------------------------------------

    def put_reserved(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, _ = _name_and_qualifier(match, environ)
        count = int(json.loads(body or b"{}").get("ReservedConcurrentExecutions", 0))
        fn = self._bridge.resolve(name)
        self._bridge.service.ledger.reserve(fn.function_name, count)  # refuses what the account can't give
        raise _PassThrough

    def delete_reserved(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, _ = _name_and_qualifier(match, environ)
        self._bridge.service.ledger.reserve(self._bridge.resolve(name).function_name, None)
        raise _PassThrough

    def put_provisioned(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, qualifier = _name_and_qualifier(match, environ)
        refuse_for_isolated(self._bridge.resolve(name), "Provisioned concurrency")
        if not qualifier or qualifier == "$LATEST":
            raise InvalidParameterValueError("Provisioned concurrency configuration requires a version or alias "
                                    "qualifier ($LATEST is not allowed): publish a version first.")
        count = int(json.loads(body or b"{}").get("ProvisionedConcurrentExecutions", 0))
        fn = self._bridge.resolve(name, qualifier)
        version = self._bridge.sync(fn)
        ready = self._bridge.service.set_provisioned_concurrency(fn.function_name, version, count)
        config = {
            "RequestedProvisionedConcurrentExecutions": count,
            "AvailableProvisionedConcurrentExecutions": ready,
            "AllocatedProvisionedConcurrentExecutions": ready,
            # AWS takes minutes and reports IN_PROGRESS meanwhile; local INIT takes milliseconds.
            "Status": "READY" if ready == count else "FAILED",
            "LastModified": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        }
        if ready != count:
            config["StatusReason"] = "Some environments failed to initialise: invoke the function to see its INIT error."
        with self._lock:
            self._provisioned[(fn.function_name, qualifier)] = {**config, "FunctionArn": f"{fn.function_arn}"}
        return 202, {}, json.dumps(config).encode()

    def get_provisioned(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, qualifier = _name_and_qualifier(match, environ)
        fn_name = self._bridge.resolve(name).function_name
        with self._lock:
            if not qualifier:  # ListProvisionedConcurrencyConfigs
                configs = [c for (n, _), c in self._provisioned.items() if n == fn_name]
                return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": configs}).encode()
            config = self._provisioned.get((fn_name, qualifier))
        if config is None:
            return _error_response(404, "ProvisionedConcurrencyConfigNotFoundException",
                                   "No Provisioned Concurrency Config found for this function")
        return 200, {}, json.dumps({k: v for k, v in config.items() if k != "FunctionArn"}).encode()

    def delete_provisioned(self, environ: dict, match: re.Match, body: bytes) -> Response:
        name, qualifier = _name_and_qualifier(match, environ)
        fn = self._bridge.resolve(name, qualifier)
        self._bridge.service.set_provisioned_concurrency(fn.function_name, self._bridge.sync(fn), 0)
        with self._lock:
            self._provisioned.pop((fn.function_name, qualifier), None)
        return 204, {}, b""

    def account_settings(self, environ: dict, match: re.Match, body: bytes) -> Response:
        ledger = self._bridge.service.ledger
        functions = list(self._bridge.backend.list_functions())
        reserved = sum(int(f.reserved_concurrency or 0) for f in functions)
        settings = {
            "AccountLimit": {"TotalCodeSize": 80 * 1024 ** 3, "CodeSizeUnzipped": UNZIPPED_CODE_LIMIT,
                             "CodeSizeZipped": ZIPPED_CODE_LIMIT, "ConcurrentExecutions": ledger.account_limit,
                             "UnreservedConcurrentExecutions": ledger.account_limit - reserved},
            "AccountUsage": {"TotalCodeSize": sum(int(f.code_size or 0) for f in functions),
                             "FunctionCount": len(functions)},
        }
        return 200, {}, json.dumps(settings).encode()

    # -- recursive loop detection: https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionRecursionConfig.html

    def put_recursion_config(self, environ: dict, match: re.Match, body: bytes) -> Response:
        fn = self._unqualified(match, environ)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        value = request.get("RecursiveLoop") if isinstance(request, dict) else None
        set_recursive_loop(fn, value)
        return 200, {}, json.dumps({"RecursiveLoop": value}).encode()

    def get_recursion_config(self, environ: dict, match: re.Match, body: bytes) -> Response:
        return 200, {}, json.dumps({"RecursiveLoop": recursive_loop_of(self._unqualified(match, environ))}).encode()

    def _unqualified(self, match: re.Match, environ: dict):
        """The function a function-level setting belongs to (a version or alias has none of its own)."""
        name, qualifier = _name_and_qualifier(match, environ)
        if qualifier:
            raise InvalidParameterValueError(f"The recursion config belongs to the function, not to a version or alias: "
                                    f"give {name!r} without ':{qualifier}'.")
        return self._bridge.resolve(name)

    # -- configuration: checked as AWS checks it; DeadLetterConfig kept (moto 5.2.5 drops it) --

    def check_configuration(self, environ: dict, match: re.Match, body: bytes) -> Response:
        try:
            spec = json.loads(body or b"{}")
        except ValueError:
            raise _PassThrough
        # moto stores what AWS refuses at CreateFunction / UpdateFunctionConfiguration: check first.
        if "Environment" in spec:
            validate_environment((spec["Environment"] or {}).get("Variables") or {})
        if "MemorySize" in spec:
            validate_memory(spec["MemorySize"])
        if "Timeout" in spec:
            validate_timeout(spec["Timeout"])
        if spec.get("Runtime"):
            # AWS would create a java21 function; the lab could not run it, so it says so now
            # (naming Lab.aws()) rather than at the first invoke.
            runtime_for(spec["Runtime"]).check_available()
        name = match.groupdict().get("name") or spec.get("FunctionName", "")
        name = unquote(name).rsplit(":", 1)[-1] if name.startswith("arn:") else unquote(name)
        if "DeadLetterConfig" in spec:
            target = (spec["DeadLetterConfig"] or {}).get("TargetArn")
            with self._lock:
                if target:
                    self.dead_letter_targets[name] = target
                else:
                    self.dead_letter_targets.pop(name, None)
        raise _PassThrough


def _name_and_qualifier(match: re.Match, environ: dict) -> tuple[str, str | None]:
    name = unquote(match["name"])
    qualifier = parse_qs(environ.get("QUERY_STRING", "")).get("Qualifier", [None])[0]
    if name.startswith("arn:") and name.count(":") == 7:  # a qualified ARN
        name, qualifier = name.rsplit(":", 1)[0], qualifier or name.rsplit(":", 1)[1]
    elif ":" in name and not name.startswith("arn:"):  # name:qualifier
        name, qualifier = name.split(":", 1)
    return name, qualifier
