"""A REST API's non-proxy integrations: MOCK, AWS (a Lambda function, or an AWS service action).

Where an ``AWS_PROXY`` integration hands the whole request to a function and maps its answer
(``http_front``), these rewrite the request with the method's mapping templates, call the
integration, then pick an integration response and rewrite the answer with its template:

- **MOCK** answers by itself; the request template's ``statusCode`` picks the integration response.
- **AWS** with ``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations``
  invokes the function with the rendered body (``X-Amz-Invocation-Type: 'Event'`` in the request
  parameters makes it asynchronous). A function error's ``errorMessage`` is matched against each
  integration response's ``selectionPattern``; with no match the default response carries the
  error as its body, status 200, as API Gateway does.
- **AWS** with ``...:<service>:action/<Action>`` or ``...:<service>:path/<path>`` calls that AWS
  service, here the lab's own endpoint, signed: JSON-protocol services (Kinesis, DynamoDB, Step
  Functions, EventBridge...) get the body as the action's JSON, query-protocol services (SQS, SNS)
  get ``Action=<Action>&`` plus the body as a form. The HTTP status is matched against the
  ``selectionPattern``s.

Templates are chosen by the request's Content-Type (``application/json`` when it has none), and
``passthroughBehavior`` decides what happens when none matches (WHEN_NO_MATCH passes the body on,
WHEN_NO_TEMPLATES only if there are no templates at all, NEVER answers 415).
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-method-settings-execution-console.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html

Where we depart from AWS: the integration's ``credentials`` role is not assumed (calls run with the
lab's own credentials), and HTTP / HTTP_PROXY / VPC-link integrations are not served (a 500 that
says so).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session
from botocore.loaders import Loader

from ...errors import LambdaLabError
from .mapping import MappingRequest, MappingTemplateError, render

__all__ = ["NonProxyIntegration", "RestRequest"]

Response = tuple[int, list[tuple[str, str]], bytes]

_LAMBDA_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:[^:]+:lambda:path/[^/]+/functions/(.+?)/invocations$")
_SERVICE_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:([^:]+):([^:]+):(action|path)/(.*)$")
_STATIC = re.compile(r"^'(.*)'$", re.S)


@dataclass
class RestRequest:
    """One request to a REST API method, as the front parsed it."""

    method: str
    path: str
    body: str
    path_parameters: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    context: dict[str, Any]
    stage_variables: dict[str, str]

    def mapping(self, body: str | None = None) -> MappingRequest:
        return MappingRequest(body=self.body if body is None else body, path=self.path_parameters,
                              querystring=self.query, header=self.headers, context=self.context,
                              stage_variables=self.stage_variables)

    def content_type(self) -> str:
        found = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        return found.split(";", 1)[0].strip().lower() or "application/json"


class _Unsupported(LambdaLabError):
    pass


class NonProxyIntegration:
    """Serves one method's MOCK or AWS integration (see the module's notes)."""

    def __init__(self, *, invoke_function: Callable[[str, bytes, bool], Any],
                 call_service: Callable[[str, str, str, dict[str, str], bytes], tuple[int, bytes]]):
        self._invoke_function = invoke_function     # (function arn, payload, asynchronous) -> InvocationResult
        self._call_service = call_service           # (service, method, path, headers, body) -> (status, body)

    def serve(self, integration, request: RestRequest) -> Response:
        try:
            return self._serve(integration, request)
        except (MappingTemplateError, _Unsupported) as exc:
            return _error(500, f"Internal server error: {exc}")

    def _serve(self, integration, request: RestRequest) -> Response:
        kind = (integration.integration_type or "").upper()
        body = self._request_body(integration, request)
        if body is None:
            return _error(415, "Unsupported Media Type")
        if kind == "MOCK":
            try:
                status = str(int((json.loads(body or "{}") or {}).get("statusCode", 200)))
            except (ValueError, AttributeError, TypeError):
                return _error(500, "Internal server error")
            return self._respond(integration, request, status_text=status, answer="", error_message=None)
        if kind != "AWS":
            raise _Unsupported(f"the lab serves AWS_PROXY, AWS and MOCK integrations, not {kind}")
        uri = integration.uri or ""
        function = _LAMBDA_URI.match(uri)
        if function:
            asynchronous = _request_parameter(integration, "integration.request.header.X-Amz-Invocation-Type",
                                              request) == "Event"
            result = self._invoke_function(function[1], (body or "{}").encode(), asynchronous)
            if asynchronous:
                return self._respond(integration, request, status_text="202", answer="", error_message=None)
            payload = (result.payload or b"").decode("utf-8", errors="replace")
            message = None
            if result.error is not None:
                try:
                    message = str((json.loads(payload) or {}).get("errorMessage", ""))
                except (ValueError, AttributeError):
                    message = payload
            return self._respond(integration, request, status_text="200", answer=payload, error_message=message)
        service = _SERVICE_URI.match(uri)
        if not service:
            raise _Unsupported(f"integration URI {uri!r} names neither a Lambda function nor an AWS service action")
        status, answer = self._service_call(integration, request, service[2], service[3], service[4], body)
        return self._respond(integration, request, status_text=str(status),
                             answer=answer.decode("utf-8", errors="replace"), error_message=None)

    # -- request -----------------------------------------------------------------------------
    def _request_body(self, integration, request: RestRequest) -> str | None:
        """The integration request's body, or None for 415 (no template for this content type)."""
        templates = integration.request_templates or {}
        content_type = request.content_type()
        if content_type in templates:
            return render(templates[content_type] or "", request.mapping()) if templates[content_type] else request.body
        behavior = (integration.passthrough_behaviour or "WHEN_NO_MATCH").upper()
        if behavior == "WHEN_NO_MATCH" or (behavior == "WHEN_NO_TEMPLATES" and not templates):
            return request.body
        return None

    def _service_call(self, integration, request: RestRequest, service: str, kind: str, target: str,
                      body: str) -> tuple[int, bytes]:
        headers = {"Content-Type": _request_parameter(integration, "integration.request.header.Content-Type", request)
                   or ""}
        metadata = _service_metadata(service)
        if kind == "action":
            if service not in _QUERY_SERVICES and metadata.get("targetPrefix"):
                headers["Content-Type"] = f"application/x-amz-json-{metadata.get('jsonVersion', '1.0')}"
                headers["X-Amz-Target"] = f"{metadata['targetPrefix']}.{target}"
                return self._call_service(metadata.get("signingName", service), "POST", "/", headers, body.encode())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            form = f"Action={target}" + (f"&{body}" if body else "")
            return self._call_service(metadata.get("signingName", service), "POST", "/", headers, form.encode())
        method = (integration.http_method or "POST").upper()
        headers["Content-Type"] = headers["Content-Type"] or "application/json"
        return self._call_service(metadata.get("signingName", service), method, "/" + target.lstrip("/"), headers,
                                  body.encode())

    # -- response ----------------------------------------------------------------------------
    def _respond(self, integration, request: RestRequest, *, status_text: str, answer: str,
                 error_message: str | None) -> Response:
        chosen = _integration_response(integration, error_message if error_message is not None else status_text)
        if chosen is None:
            if error_message is not None:      # no default response: API Gateway's own 502
                return _error(502, "Internal server error")
            return _error(500, "Internal server error")   # no integration response for this status
        templates = chosen.response_templates or {}
        content_type, template = next(iter(templates.items()), ("application/json", None))
        text = render(template, request.mapping(answer)) if template else answer
        headers = [("Content-Type", content_type)]
        for name, value in (chosen.response_parameters or {}).items():
            if name.lower().startswith("method.response.header."):
                resolved = _response_parameter(value, answer)
                if resolved is not None:
                    headers.append((name[len("method.response.header."):], resolved))
        return int(chosen.status_code), headers, text.encode()


def _integration_response(integration, selector: str):
    """The integration response whose selectionPattern matches ``selector`` (the default when none does)."""
    responses = list((integration.integration_responses or {}).values())
    default = next((r for r in responses if not r.selection_pattern), None)
    for response in responses:
        if response.selection_pattern and re.fullmatch(response.selection_pattern, selector or "", re.S):
            return response
    return default


def _request_parameter(integration, name: str, request: RestRequest) -> str | None:
    value = (integration.request_parameters or {}).get(name)
    if value is None:
        return None
    static = _STATIC.match(value)
    if static:
        return static[1]
    source, _, key = value.partition(".request.")[2].partition(".")
    where = {"header": request.headers, "querystring": request.query, "path": request.path_parameters}.get(source, {})
    lowered = {k.lower(): v for k, v in where.items()} if source == "header" else where
    return lowered.get(key.lower() if source == "header" else key)


def _response_parameter(value: str, answer: str) -> str | None:
    static = _STATIC.match(value)
    if static:
        return static[1]
    if value.startswith("integration.response.body."):
        try:
            found: Any = json.loads(answer)
        except ValueError:
            return None
        for key in value[len("integration.response.body."):].split("."):
            found = found.get(key) if isinstance(found, dict) else None
        return None if found is None else (found if isinstance(found, str) else json.dumps(found))
    return None


# API Gateway calls these with the query protocol (Action=...&...), as its SQS and SNS guides show.
_QUERY_SERVICES = {"sqs", "sns", "email", "sts", "iam", "monitoring"}
_METADATA: dict[str, dict] = {}


def _service_metadata(service: str) -> dict:
    """botocore's metadata of ``service`` (its protocol, target prefix, signing name)."""
    if service not in _METADATA:
        names = {"states": "stepfunctions", "email": "ses", "monitoring": "cloudwatch", "execute-api": "apigateway"}
        loader = Loader()
        name = names.get(service, service)
        try:
            model = loader.load_service_model(name, "service-2")
        except Exception:  # noqa: BLE001 - an unknown service name
            raise _Unsupported(f"the lab does not know the AWS service {service!r}") from None
        _METADATA[service] = model.get("metadata", {})
    return _METADATA[service]


def send_signed(service: str, region: str, credentials: dict[str, str], method: str, url: str,
                headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """Send one request signed with AWS Signature V4, as API Gateway calls a service for an integration."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(credentials["aws_access_key_id"], credentials["aws_secret_access_key"]),
              service, region).add_auth(request)
    answer = _SESSION.send(request.prepare())
    return answer.status_code, answer.content


_SESSION = URLLib3Session(timeout=60)


def _error(status: int, message: str) -> Response:
    return status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode()
