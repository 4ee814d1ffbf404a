"""A real HTTP front for API Gateway (REST and HTTP APIs) and function URLs.

moto stores APIs, routes and integrations but serves no traffic. This middleware does, on the
lab's endpoint, so ``requests.get(url)`` or a browser reaches the handler:

    {endpoint}/_aws/execute-api/{api-id}/{stage}/{path}     REST API (payload format 1.0)
    {endpoint}/_aws/execute-api/{api-id}/{path}             HTTP API, $default stage (format 2.0)
    {endpoint}/_aws/lambda-url/{url-id}/{path}              function URL (format 2.0)

Lambda proxy integrations (``AWS_PROXY``) are served here; a REST API's MOCK and AWS integrations,
with their mapping templates, in ``rest_integrations``. The handler's ``statusCode``,
``headers``, ``cookies`` and ``body`` (base64 when ``isBase64Encoded``) become the HTTP response;
a handler error or an invalid response is API Gateway's ``502 {"message": "Internal server error"}``.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"""

from __future__ import annotations

import base64
import json
import queue
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Callable, Iterable, Iterator
from urllib.parse import parse_qs

from ... import events
from ...errors import LambdaLabError, TooManyRequestsError
from .bridge import MotoLambdaBridge
from .http_api_integrations import SubtypeError, call_subtype
from .request_validation import refusal
from .resource_policy import PolicyError, denial
from .rest_integrations import NonProxyIntegration, RestRequest, send_signed

__all__ = ["HttpFront", "API_PREFIX", "URL_PREFIX", "api_url", "status_line"]

API_PREFIX = "/_aws/execute-api/"
URL_PREFIX = "/_aws/lambda-url/"
_FUNCTION_IN_URI = re.compile(r"(arn:aws[a-z-]*:lambda:[^/]+?)(?:/invocations)?$")
_TEXT = re.compile(r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded)|.*\+json|.*\+xml)")

Response = tuple[int, list[tuple[str, str]], bytes]


class HttpFront:
    def __init__(self, app: Callable, *, bridge: MotoLambdaBridge, account_id: str, region: str,
                 credentials: dict[str, str] | None = None):
        self._app = app
        self._credentials = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        self._clients: dict[tuple[str, str], object] = {}
        self._bridge = bridge
        self._account_id = account_id
        self._region = region

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX):
            status, headers, body = self._guarded(self._execute_api, environ, path[len(API_PREFIX):])
        elif path.startswith(URL_PREFIX):
            streamed = self._streaming_url(environ, path[len(URL_PREFIX):], start_response)
            if streamed is not None:
                return streamed
            status, headers, body = self._guarded(self._function_url, environ, path[len(URL_PREFIX):])
        else:
            return self._app(environ, start_response)
        start_response(status_line(status), [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _guarded(self, handler, environ: dict, rest: str) -> Response:
        try:
            return handler(environ, rest)
        except TooManyRequestsError:
            return _message(429, "Too Many Requests")
        except LambdaLabError:
            return _message(502, "Internal server error")

    # -- API Gateway ------------------------------------------------------------------------

    def _execute_api(self, environ: dict, rest: str) -> Response:
        # Imported on first use: moto's API Gateway pulls in an OpenAPI validator whose imports
        # take about a second, which every lab would otherwise pay at start.
        from moto.apigateway.models import apigateway_backends
        from moto.apigatewayv2.models import apigatewayv2_backends

        api_id, _, remainder = rest.partition("/")
        rest_api = apigateway_backends[self._account_id][self._region].apis.get(api_id)
        if rest_api is not None:
            return self._rest_api(environ, rest_api, remainder)
        http_api = apigatewayv2_backends[self._account_id][self._region].apis.get(api_id)
        if http_api is not None:
            return self._http_api(environ, http_api, remainder)
        return _message(404, f"No API with id {api_id!r} in this lab: check the id (apigateway get_rest_apis / "
                             "apigatewayv2 get_apis).")

    def _rest_api(self, environ: dict, api, remainder: str) -> Response:
        stage, _, sub_path = remainder.partition("/")
        if stage not in getattr(api, "stages", {}):
            return _message(403, "Forbidden")  # as API Gateway answers for a stage that is not deployed
        method = environ["REQUEST_METHOD"]
        match = _best_route(((resource.get_path(), resource) for resource in api.resources.values()), "/" + sub_path)
        if match is None:
            return _message(403, "Missing Authentication Token")
        template, resource, parameters = match
        api_method = resource.resource_methods.get(method) or resource.resource_methods.get("ANY")
        integration = getattr(api_method, "method_integration", None)
        if integration is None:
            return _message(403, "Missing Authentication Token")
        if getattr(api, "policy", None):
            denied = self._resource_policy(environ, api, stage, method, sub_path)
            if denied is not None:
                return denied
        query, headers, body, is_base64 = _request(environ)
        if getattr(api_method, "request_validator_id", None):
            flat_query, flat_headers, text = _flat(query, headers, body, is_base64)
            refused = refusal(api, api_method, body=text, query=flat_query, headers=flat_headers,
                              path_parameters=parameters or {},
                              content_type=(flat_headers.get("Content-Type") or "application/json")
                              .split(";", 1)[0].strip().lower())
            if refused is not None:
                return _message(*refused)
        if (integration.integration_type or "").upper() != "AWS_PROXY":
            return self._non_proxy(environ, api, stage, template, sub_path, parameters, integration,
                                   _flat(query, headers, body, is_base64))
        fn = self._proxy_function(integration.integration_type, integration.uri)
        event = events.api_gateway(method, "/" + sub_path, query=query, headers=headers, body=body,
                                   is_base64=is_base64, path_parameters=parameters or None, resource=template,
                                   stage=stage, api_id=api.id, region=self._region, account_id=self._account_id,
                                   source_ip=environ.get("REMOTE_ADDR"),
                                   user_agent=environ.get("HTTP_USER_AGENT", ""))
        return _proxy_response(self._bridge.invoke(fn, json.dumps(event).encode()), "1.0")

    def _resource_policy(self, environ: dict, api, stage: str, method: str, sub_path: str) -> Response | None:
        """API Gateway's 403 when the API's resource policy does not allow this caller (resource_policy)."""
        prefix = f"arn:aws:execute-api:{self._region}:{self._account_id}:{api.id}"
        now = self._bridge.service.clock.now()
        facts = {"aws:currenttime": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "aws:epochtime": int(now), "aws:sourceip": environ.get("REMOTE_ADDR") or "127.0.0.1",
                 "aws:useragent": environ.get("HTTP_USER_AGENT"), "aws:referer": environ.get("HTTP_REFERER")}
        try:
            message = denial(api.policy, arn=f"{prefix}/{stage}/{method}/{sub_path}", api_prefix=prefix,
                             facts={k: v for k, v in facts.items() if v is not None})
        except (PolicyError, ValueError) as exc:
            return _message(500, f"Internal server error: the API's resource policy: {exc}")
        if message is None:
            return None
        return 403, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")], \
            json.dumps({"Message": message}).encode()

    def _non_proxy(self, environ: dict, api, stage: str, template: str, sub_path: str, parameters: dict,
                   integration, flat: tuple[dict, dict, str]) -> Response:
        """A MOCK or AWS integration, with its mapping templates (rest_integrations)."""
        query, headers, body = flat
        request_id = str(uuid.uuid4())
        context = {"requestId": request_id, "extendedRequestId": request_id, "accountId": self._account_id,
                   "apiId": api.id, "httpMethod": environ["REQUEST_METHOD"], "resourcePath": template,
                   "path": f"/{stage}/{sub_path}", "stage": stage, "requestTimeEpoch": int(time.time() * 1000),
                   "identity": {"sourceIp": environ.get("REMOTE_ADDR", ""),
                                "userAgent": environ.get("HTTP_USER_AGENT", "")}}
        request = RestRequest(method=environ["REQUEST_METHOD"], path="/" + sub_path, body=body,
                              path_parameters=parameters or {}, query=query, headers=headers, context=context,
                              stage_variables=dict(getattr(api.stages.get(stage), "variables", None) or {}))
        host = f"http://{environ.get('HTTP_HOST', 'localhost')}"

        def invoke_function(arn: str, payload: bytes, asynchronous: bool):
            return self._bridge.invoke(self._bridge.resolve(arn), payload, asynchronous=asynchronous)

        def call_service(service: str, method: str, path: str, call_headers: dict, data: bytes):
            return send_signed(service, self._region, self._credentials, method, host + path, call_headers, data)
        return NonProxyIntegration(invoke_function=invoke_function, call_service=call_service).serve(
            integration, request)

    def _service_integration(self, environ: dict, api, stage: str, integration, route, parameters, query: str,
                             headers: dict, body, is_base64: bool) -> tuple[int, bytes]:
        """An HTTP API's AWS service integration (http_api_integrations)."""
        flat_query, flat_headers, text = _flat(query, headers, body, is_base64)
        request_id = str(uuid.uuid4())
        request = {"body": text, "header": flat_headers, "querystring": flat_query, "path": parameters or {},
                   "context": {"requestId": request_id, "apiId": api.api_id, "stage": stage,
                               "routeKey": route.route_key, "accountId": self._account_id,
                               "httpMethod": environ["REQUEST_METHOD"],
                               "identity": {"sourceIp": environ.get("REMOTE_ADDR", "")}},
                   "stageVariables": dict(getattr(api.stages.get(stage), "stage_variables", None) or {})}
        host = f"http://{environ.get('HTTP_HOST', 'localhost')}"
        try:
            return call_subtype(integration.integration_subtype, integration.request_parameters or {}, request,
                                lambda service: self._client(host, service))
        except SubtypeError as exc:
            return 500, json.dumps({"message": f"Internal Server Error: {exc}"}).encode()

    def _client(self, host: str, service: str):
        key = (host, service)
        if key not in self._clients:
            import boto3
            self._clients[key] = boto3.session.Session(region_name=self._region, **self._credentials).client(
                service, endpoint_url=host)
        return self._clients[key]

    def _http_api(self, environ: dict, api, remainder: str) -> Response:
        first, _, after = remainder.partition("/")
        stage, sub_path = (first, after) if first in api.stages and first != "$default" else ("$default", remainder)
        if stage not in api.stages:
            return _message(404, "Not Found")
        method = environ["REQUEST_METHOD"]
        cors, origin = _cors_configuration(api), environ.get("HTTP_ORIGIN")
        if cors and method == "OPTIONS" and origin and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return 204, _cors_headers(cors, origin, preflight=True), b""
        candidates = []
        for route in api.routes.values():
            if route.route_key == "$default":
                continue
            route_method, _, route_path = route.route_key.partition(" ")
            if route_method in (method, "ANY"):
                candidates.append((route_path, route))
        match = _best_route(candidates, "/" + sub_path)
        if match is None:
            default = next((r for r in api.routes.values() if r.route_key == "$default"), None)
            if default is None:
                return _message(404, "Not Found")
            match = ("$default", default, {})
        _, route, parameters = match
        integration = api.integrations.get((route.target or "").split("/")[-1])
        if integration is None:
            return _message(500, "Internal Server Error")
        query, headers, body, is_base64 = _request(environ)
        if getattr(integration, "integration_subtype", None):
            status, answer = self._service_integration(environ, api, stage, integration, route, parameters,
                                                       query, headers, body, is_base64)
            response_headers = [("Content-Type", "application/json")]
            if cors:
                response_headers += _cors_headers(cors, origin, preflight=False) if origin else []
            return status, response_headers, answer
        fn = self._proxy_function(integration.integration_type, integration.integration_uri)
        version = integration.payload_format_version or "2.0"
        common = dict(query=query, headers=headers, body=body, is_base64=is_base64, api_id=api.api_id,
                      region=self._region, account_id=self._account_id, source_ip=environ.get("REMOTE_ADDR"),
                      user_agent=environ.get("HTTP_USER_AGENT", ""), path_parameters=parameters or None)
        if version == "1.0":
            event = events.api_gateway(method, "/" + sub_path, resource=route.route_key.partition(" ")[2] or "/",
                                       stage=stage, **common)
        else:
            event = events.api_gateway_v2(method, "/" + sub_path, route_key=route.route_key, stage=stage, **common)
        status, headers, data = _proxy_response(self._bridge.invoke(fn, json.dumps(event).encode()), version)
        if cors:   # API Gateway's CORS headers replace the integration's own
            headers = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            headers += _cors_headers(cors, origin, preflight=False) if origin else []
        return status, headers, data

    def _proxy_function(self, integration_type: str, uri: str):
        if (integration_type or "").upper() != "AWS_PROXY":
            raise _Unsupported(f"The local lab serves Lambda proxy integrations (AWS_PROXY) only, not {integration_type}.")
        match = _FUNCTION_IN_URI.search(uri.split("/functions/")[-1] if "/functions/" in uri else uri)
        if match is None:
            raise _Unsupported(f"Integration URI {uri!r} does not name a Lambda function.")
        return self._bridge.resolve(match[1])

    # -- function URLs ---------------------------------------------------------------------

    def _function_url(self, environ: dict, rest: str) -> Response:
        url_id, _, sub_path = rest.partition("/")
        fn = self.function_for_url(url_id)
        if fn is None:
            return _message(404, f"No function URL {url_id!r} in this lab: create one with create_function_url_config.")
        event = self._url_event(environ, url_id, sub_path)
        return _proxy_response(self._bridge.invoke(fn, json.dumps(event).encode()), "2.0")

    def _streaming_url(self, environ: dict, rest: str, start_response: Callable) -> Iterable[bytes] | None:
        """A function URL with ``InvokeMode: RESPONSE_STREAM``: the body goes out as the function writes it.

        A stream whose content type is ``application/vnd.awslambda.http-integration-response``
        (``awslambda.HttpResponseStream.from``) starts with the response's metadata, JSON
        (statusCode, headers, cookies), then 8 NUL bytes; any other stream is a 200 of that content
        type. A buffered function's answer is mapped as in BUFFERED mode.
        https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html
        """
        url_id, _, sub_path = rest.partition("/")
        fn = self.function_for_url(url_id)
        config = getattr(fn, "url_config", None)
        if fn is None or (config.config.get("InvokeMode") if config else None) != "RESPONSE_STREAM":
            return None
        event = self._url_event(environ, url_id, sub_path)
        parts: queue.Queue = queue.Queue()

        def run() -> None:
            try:
                result = self._bridge.invoke(fn, json.dumps(event).encode(),
                                             on_chunk=lambda chunk, kind: parts.put(("chunk", chunk, kind)))
            except TooManyRequestsError:
                parts.put(("answer", _message(429, "Too Many Requests"), None))
            except LambdaLabError:
                parts.put(("answer", _message(502, "Internal server error"), None))
            else:
                parts.put(("done", result, None))
        threading.Thread(target=run, name=f"url-stream-{fn.function_name}", daemon=True).start()
        kind, value, content_type = parts.get()
        if kind != "chunk":
            status, response_headers, data = value if kind == "answer" else _proxy_response(value, "2.0")
            start_response(status_line(status), [*response_headers, ("Content-Length", str(len(data)))])
            return [data]
        status, response_headers, first = 200, [("Content-Type", content_type)], value
        if content_type == "application/vnd.awslambda.http-integration-response":
            while b"\0" * 8 not in first and kind == "chunk":
                kind, more, _ = parts.get()
                first += more if kind == "chunk" else b""
            metadata, _, first = first.partition(b"\0" * 8)
            try:
                prelude = json.loads(metadata or b"{}")
                status = int(prelude.get("statusCode", 200))
                response_headers = [(str(k), str(v)) for k, v in (prelude.get("headers") or {}).items()]
                response_headers += [("Set-Cookie", str(c)) for c in prelude.get("cookies") or []]
            except (ValueError, TypeError, AttributeError):
                status, response_headers = 502, [("Content-Type", "application/json")]
        start_response(status_line(status), response_headers)

        def body_parts() -> Iterator[bytes]:
            nonlocal kind
            if first:
                yield first
            while kind == "chunk":
                kind, chunk, _ = parts.get()
                if kind == "chunk":
                    yield chunk
        return body_parts()

    def _url_event(self, environ: dict, url_id: str, sub_path: str) -> dict:
        """The event a function URL sends its function (payload format 2.0)."""
        query, headers, body, is_base64 = _request(environ)
        return events.function_url(environ["REQUEST_METHOD"], "/" + sub_path, query=query, headers=headers,
                                   body=body, is_base64=is_base64, url_id=url_id, region=self._region,
                                   source_ip=environ.get("REMOTE_ADDR"), user_agent=environ.get("HTTP_USER_AGENT", ""))

    def function_for_url(self, url_id: str):
        for fn in list(self._bridge.backend.list_functions()):
            config = getattr(fn, "url_config", None)
            if config is not None and config.url.split("//", 1)[-1].startswith(url_id + "."):
                return fn
        return None


class _Unsupported(LambdaLabError):
    pass


def _best_route(candidates, path: str):
    """The most specific template matching ``path``: literals beat {params}, which beat {proxy+}."""
    best = None
    for template, target in candidates:
        parameters = _match(template, path)
        if parameters is None:
            continue
        parts = [p for p in template.split("/") if p]
        score = (sum(not p.startswith("{") for p in parts), -sum(p.endswith("+}") for p in parts), len(parts))
        if best is None or score > best[0]:
            best = (score, template, target, parameters)
    return None if best is None else best[1:]


def _match(template: str, path: str) -> dict[str, str] | None:
    t_parts = [p for p in template.split("/") if p]
    p_parts = [p for p in path.split("/") if p]
    parameters: dict[str, str] = {}
    for i, part in enumerate(t_parts):
        if part.startswith("{") and part.endswith("+}"):
            if i >= len(p_parts):
                return None
            parameters[part[1:-2]] = "/".join(p_parts[i:])
            return parameters
        if i >= len(p_parts):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = p_parts[i]
        elif part != p_parts[i]:
            return None
    return parameters if len(t_parts) == len(p_parts) else None


def _request(environ: dict) -> tuple[str, dict[str, list[str]], str | bytes | None, bool]:
    headers: dict[str, list[str]] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.setdefault(key[5:].replace("_", "-").title(), []).append(value)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.setdefault(key.replace("_", "-").title(), []).append(environ[key])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    body: str | bytes | None = None
    is_base64 = False
    if raw:
        if _TEXT.match(environ.get("CONTENT_TYPE", "text/plain")):
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                body, is_base64 = base64.b64encode(raw).decode(), True
        else:
            body, is_base64 = base64.b64encode(raw).decode(), True
    return environ.get("QUERY_STRING", ""), headers, body, is_base64


def _cors_configuration(api) -> dict:
    """An HTTP API's CorsConfiguration, keyed as the API names it (allowOrigins, ...), or {}."""
    found = getattr(api, "cors_configuration", None) or {}
    return {k[:1].lower() + k[1:]: v for k, v in found.items()} if isinstance(found, dict) else {}


def _cors_headers(cors: dict, origin: str, *, preflight: bool) -> list[tuple[str, str]]:
    """The Access-Control-* headers API Gateway adds for an HTTP API with a CORS configuration.

    With CORS configured, API Gateway answers a preflight (OPTIONS with Origin and
    Access-Control-Request-Method) itself, even without an OPTIONS route, and adds the configured
    headers to the integration's responses, ignoring CORS headers the integration returns. An
    origin that is not allowed gets no Access-Control-* headers, so the browser blocks the call.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
    """
    allowed = cors.get("allowOrigins") or []
    if "*" not in allowed and origin not in allowed:
        return []
    headers = [("Access-Control-Allow-Origin", "*" if "*" in allowed else origin)]
    if cors.get("allowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if preflight:
        for name, key in (("Access-Control-Allow-Methods", "allowMethods"),
                          ("Access-Control-Allow-Headers", "allowHeaders")):
            if cors.get(key):
                headers.append((name, ",".join(cors[key])))
        if cors.get("maxAge") is not None:
            headers.append(("Access-Control-Max-Age", str(cors["maxAge"])))
    elif cors.get("exposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ",".join(cors["exposeHeaders"])))
    return headers


def _flat(query: str, headers: dict[str, list[str]], body, is_base64: bool) -> tuple[dict, dict, str]:
    """A request as mapping templates and validators read it: one value per parameter, the body as text."""
    text = base64.b64decode(body or "").decode("utf-8", errors="replace") if is_base64 else (body or "")
    return {k: v[-1] for k, v in parse_qs(query).items()}, {k: v[-1] for k, v in headers.items()}, text


def _proxy_response(result, version: str) -> Response:
    """The handler's answer as HTTP, as API Gateway maps it."""
    if result.error is not None:
        return _message(502, "Internal server error")
    try:
        payload = json.loads(result.payload or b"null")
    except ValueError:
        return _message(502, "Internal server error")
    if version == "2.0" and not (isinstance(payload, dict) and "statusCode" in payload):
        # Format 2.0 accepts any JSON value and returns it as a 200 JSON body.
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return 200, [("Content-Type", "application/json")], text.encode()
    if not isinstance(payload, dict):
        return _message(502, "Internal server error")
    try:
        status = int(payload.get("statusCode", 200))
    except (TypeError, ValueError):
        return _message(502, "Internal server error")
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        return _message(502, "Internal server error")
    data = base64.b64decode(body) if body and payload.get("isBase64Encoded") else (body or "").encode()
    headers = [(str(k), str(v)) for k, v in (payload.get("headers") or {}).items()]
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(v)) for v in values]
    headers += [("Set-Cookie", str(c)) for c in payload.get("cookies") or []]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return status, headers, data


def status_line(status: int) -> str:
    """``"404 Not Found"``; a handler may answer any code, named or not (``"599 "``)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} "


def api_url(endpoint: str, api_id: str, stage: str | None = None) -> str:
    """Where an API answers on a local endpoint (a REST API's ``stage``; none for an HTTP API's $default)."""
    return f"{endpoint}{API_PREFIX}{api_id}" + (f"/{stage}" if stage else "")


def _message(status: int, message: str) -> Response:
    return status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode()

