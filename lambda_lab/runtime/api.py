"""The Runtime API 2018-06-01, served on loopback, one server per execution environment.

This is the HTTP interface AWS gives every runtime (awslambdaric, a custom ``bootstrap``, our
Node.js bootstrap): the runtime long-polls ``/runtime/invocation/next`` for an event and posts the
result to ``/response`` or ``/error``; a runtime that cannot start posts ``/runtime/init/error``.
A SnapStart runtime calls ``/runtime/restore/next`` when restored, and posts ``/runtime/restore/error``
when an after-restore hook fails.
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

The same server answers the Extensions API (``/2020-01-01/extension/...``) and the Telemetry API
(``/2022-07-01/telemetry``) for the environment's extensions (extensions.py), as AWS serves them
all at ``AWS_LAMBDA_RUNTIME_API``.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Protocol

__all__ = ["NoInvocations", "PendingInvocation", "RuntimeApiHandler", "RuntimeApiServer"]

# awslambdaric sends a handler error's X-Ray cause (its whole stack) as one header; a
# RecursionError's is over http.client's 64 KiB line limit, and the runtime would die on the 431.
# AWS's Runtime API takes it, so we allow header lines of up to 1 MiB (a process-wide setting
# that only makes http.client more permissive).
http.client._MAXLINE = max(http.client._MAXLINE, 1024 * 1024)

_PREFIX = "/2018-06-01/runtime"
_EXTENSION = "/2020-01-01/extension"
_TELEMETRY = "/2022-07-01/telemetry"
_INVOCATION_PATH = re.compile(rf"^{_PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")


@dataclass
class PendingInvocation:
    """An event waiting to be handed to the runtime by ``/invocation/next``."""

    request_id: str
    body: bytes
    timeout_s: float
    function_arn: str
    trace_id: str
    client_context: str | None = None
    cognito_identity: str | None = None
    tenant_id: str | None = None
    #: For a streaming caller (InvokeWithResponseStream, a RESPONSE_STREAM URL): each chunk a
    #: streaming runtime posts, as it arrives, with the stream's Content-Type. Not a header.
    on_chunk: "Callable[[bytes, str], None] | None" = None

    def headers(self) -> dict[str, str]:
        """The /next response's headers, built as the event is handed over.

        The deadline counts from now, after INIT on a cold start, as on AWS (and as the lab's own
        timeout does): ``context.get_remaining_time_in_millis()`` starts at the full timeout.
        """
        deadline_ms = int((time.time() + self.timeout_s) * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
            # awslambdaric 4.2 crashes when the event has no content type.
            "Content-Type": "application/json",
        }
        if self.client_context:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        if self.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = self.cognito_identity
        if self.tenant_id:   # awslambdaric hands it to the handler as context.tenant_id
            headers["Lambda-Runtime-Aws-Tenant-Id"] = self.tenant_id
        return headers


class RuntimeApiHandler(Protocol):
    """What the server asks of its execution environment."""

    def next_invocation(self) -> PendingInvocation | None:
        """Block until there is an event for the runtime; None when the environment is closing."""

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        """The runtime's result. False if ``request_id`` is not the current invocation."""

    def invocation_error(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        """The runtime's error document. False if ``request_id`` is not the current invocation."""

    def invocation_chunk(self, request_id: str, chunk: bytes, content_type: str) -> bool:
        """One chunk of a streamed response (``Lambda-Runtime-Function-Response-Mode: streaming``)."""

    def invocation_streamed(self, request_id: str, body: bytes) -> bool:
        """A streamed response that ended without an error: ``body`` is all of it."""

    def init_error(self, body: bytes, error_type: str | None) -> bool | None:
        """The runtime could not initialise. False: already reported (answered with 403)."""

    def restore_next(self) -> bool:
        """SnapStart: a restored runtime has loaded (``GET /runtime/restore/next``)."""

    def restore_error(self, body: bytes, error_type: str | None) -> None:
        """SnapStart: an after-restore hook failed (``POST /runtime/restore/error``)."""


class NoInvocations:
    """A RuntimeApiHandler's invocation half for one that is never invoked (a SnapStart zygote, a
    Managed Instances environment whose workers each have a handler of their own)."""

    def next_invocation(self) -> PendingInvocation | None:
        return None

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        return False

    def invocation_error(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        return False

    def invocation_chunk(self, request_id: str, chunk: bytes, content_type: str) -> bool:
        return False

    def invocation_streamed(self, request_id: str, body: bytes) -> bool:
        return False


class _RuntimeApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as awslambdaric expects
    # Headers and body go out in separate sends; with Nagle on, each reply stalls ~40 ms on
    # delayed ACKs over loopback.
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # the runtime's traffic is not the learner's business

    @property
    def _handler(self) -> RuntimeApiHandler:
        route = self.server.route
        return (route(self.headers.get("User-Agent", "")) if route is not None else None) or self.server.handler

    def _extensions(self):
        """The environment's ExtensionSet; None (and a 403 sent) where the lab runs no extensions."""
        extensions = getattr(self.server.handler, "extensions", None)
        if extensions is None:
            self._reply(403, {"errorType": "Extension.Unsupported",
                              "errorMessage": "the lab runs extensions in standard execution environments only "
                                              "(not SnapStart restores or Managed Instances)"})
        return extensions

    def _extension_call(self) -> bool:
        """Serve an Extensions API request; False when the path is not one."""
        path = self.path.split("?", 1)[0]
        if not path.startswith((_EXTENSION + "/", _TELEMETRY)):
            return False
        body = self._read_body() if self.command in ("POST", "PUT") else b""
        extensions = self._extensions()
        if extensions is None:
            return True
        identifier = self.headers.get("Lambda-Extension-Identifier")
        if self.command == "POST" and path == f"{_EXTENSION}/register":
            status, document, headers = extensions.register(self.headers.get("Lambda-Extension-Name", ""), body)
        elif self.command == "GET" and path == f"{_EXTENSION}/event/next":
            status, document, headers = extensions.next_event(identifier)
        elif self.command == "PUT" and path.rstrip("/") == _TELEMETRY:
            status, document, headers = extensions.subscribe(identifier, body)
        elif self.command == "POST" and path in (f"{_EXTENSION}/init/error", f"{_EXTENSION}/exit/error"):
            status, document, headers = extensions.report_error(
                identifier, path.rsplit("/", 2)[-2], body, self.headers.get("Lambda-Extension-Function-Error-Type"))
        else:
            status, document, headers = 404, {"errorType": "NotFound", "errorMessage": f"unknown path {path}"}, {}
        self._reply(status, document, headers or None)
        return True

    def do_GET(self) -> None:
        if self._extension_call():
            return
        if self.path == f"{_PREFIX}/restore/next":   # SnapStart: a restored runtime has loaded
            self._handler.restore_next()
            self._reply(200, {})
            return
        if self.path != f"{_PREFIX}/invocation/next":
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"unknown path {self.path}"})
            return
        invocation = self._handler.next_invocation()
        if invocation is None:  # the environment is shutting down
            self.close_connection = True
            self._reply(500, {"errorType": "ServiceShutdown", "errorMessage": "environment closing"})
            return
        self._reply(200, invocation.body, invocation.headers())

    def do_PUT(self) -> None:
        if not self._extension_call():
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"unknown path {self.path}"})

    def do_POST(self) -> None:
        if self._extension_call():
            return
        handler = self._handler
        match = _INVOCATION_PATH.match(self.path)
        streamed = None
        if (match is not None and match["kind"] == "response"
                and self.headers.get("Lambda-Runtime-Function-Response-Mode", "").lower() == "streaming"):
            streamed = self._read_stream(handler, match["id"])
            body = b""
        else:
            body = self._read_body()
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if self.path == f"{_PREFIX}/init/error":
            if handler.init_error(body, error_type) is False:
                # Managed Instances: another runtime worker has already reported INIT's failure.
                self._reply(403, {"errorType": "InvalidStateTransition",
                                  "errorMessage": "INIT has already been reported as failed"})
                return
            self._reply(202, {"status": "OK"})
            return
        if self.path == f"{_PREFIX}/restore/error":   # SnapStart: an after-restore hook failed
            handler.restore_error(body, error_type)
            self._reply(202, {"status": "OK"})
            return
        if match is None:
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"unknown path {self.path}"})
            return
        request_id = match["id"]
        if streamed is not None:
            accepted = self._streamed(handler, request_id, *streamed)
        elif match["kind"] == "response":
            accepted = handler.invocation_response(request_id, body)
        else:
            accepted = handler.invocation_error(request_id, body, error_type)
        if accepted:
            self._reply(202, {"status": "OK"})
        else:
            self._reply(400, {"errorType": "InvalidRequestID",
                              "errorMessage": f"Invalid request ID: {request_id}"})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return b""

    def _read_stream(self, handler: RuntimeApiHandler, request_id: str) -> tuple[bytes, dict[str, str]]:
        """A streamed response: each chunk handed on as it arrives; (all of it, its trailers).

        AWS's custom runtime streaming: ``Transfer-Encoding: chunked``, and an error that happens
        mid-stream in the trailers ``Lambda-Runtime-Function-Error-Type`` and
        ``Lambda-Runtime-Function-Error-Body`` (base64).
        https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming
        """
        chunks: list[bytes] = []
        content_type = self.headers.get("Content-Type") or "application/octet-stream"
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            body = self._read_body()
            if body:
                handler.invocation_chunk(request_id, body, content_type)
            return body, {}
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            chunk = self.rfile.read(size)
            self.rfile.readline()
            chunks.append(chunk)
            handler.invocation_chunk(request_id, chunk, content_type)
        trailers: dict[str, str] = {}
        while True:
            line = self.rfile.readline().strip()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            trailers[name.strip().lower()] = value.strip()
        return b"".join(chunks), trailers

    def _streamed(self, handler: RuntimeApiHandler, request_id: str, body: bytes, trailers: dict[str, str]) -> bool:
        error_type = trailers.get("lambda-runtime-function-error-type")
        if error_type:
            try:
                document = base64.b64decode(trailers.get("lambda-runtime-function-error-body", ""))
            except ValueError:
                document = b""
            return handler.invocation_error(request_id, document, error_type)
        return handler.invocation_streamed(request_id, body)

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _reply(self, status: int, body: bytes | dict, headers: dict[str, str] | None = None) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            head.append(f"{name}: {value}")
        head.append(f"Content-Length: {len(payload)}")
        # One send for head and body: no delayed-ACK stall, whatever the socket options.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    handler: RuntimeApiHandler
    route: "Callable[[str], RuntimeApiHandler | None] | None" = None


@dataclass
class RuntimeApiServer:
    """A Runtime API endpoint on ``127.0.0.1:<free port>`` for one execution environment."""

    handler: RuntimeApiHandler
    host: str = "127.0.0.1"
    #: Picks another handler by the request's User-Agent (a SnapStart snapshot's restored copies).
    route: "Callable[[str], RuntimeApiHandler | None] | None" = None
    _server: _Server = field(init=False, repr=False)
    _thread: threading.Thread = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._server = _Server((self.host, 0), _RuntimeApiRequestHandler)
        self._server.handler = self.handler
        self._server.route = self.route
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"runtime-api-{self.port}", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def address(self) -> str:
        """The value of ``AWS_LAMBDA_RUNTIME_API``."""
        return f"{self.host}:{self.port}"

    def close(self) -> None:
        """Stop serving, without making the caller wait for the accept loop to notice."""
        threading.Thread(target=self._stop, name=f"runtime-api-stop-{self.port}", daemon=True).start()

    def _stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
