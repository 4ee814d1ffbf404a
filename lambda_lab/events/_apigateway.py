"""Amazon API Gateway proxy events: REST APIs (payload format 1.0) and HTTP APIs (format 2.0).

These only *build* events. Serving HTTP and turning real requests into these events is the local
API Gateway's job, elsewhere.
Mirrors https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
and https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Mapping, Sequence
from typing import Any, Union
from urllib.parse import parse_qsl, urlencode

from ._common import (DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Ids, clf_time, epoch_ms, resolve_now,
                      resolve_rng)

__all__ = ["api_gateway", "api_gateway_v2"]

Headers = Mapping[str, Union[str, Sequence[str]]]
Query = Union[str, Mapping[str, Union[str, Sequence[str]]]]
DEFAULT_USER_AGENT = "curl/8.5.0"


def api_gateway(
    method: str = "GET",
    path: str = "/",
    *,
    query: Query | None = None,
    headers: Headers | None = None,
    body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    resource: str | None = None,
    stage: str = "prod",
    is_base64: bool = False,
    source_ip: str | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A REST API request through a Lambda proxy integration (payload format 1.0).

    >>> event = api_gateway("GET", "/orders/42", resource="/orders/{id}",
    ...                     path_parameters={"id": "42"}, query={"expand": "items"}, now=0, seed=1)
    >>> event["pathParameters"], event["queryStringParameters"], event["body"]
    ({'id': '42'}, {'expand': 'items'}, None)

    Absent query strings, path parameters, stage variables and body are ``None``, as AWS sends
    them. A dict body is JSON-encoded; a bytes body is base64-encoded with ``isBase64Encoded``.
    See https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
    """
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "apigateway"))
    method, path = method.upper(), _absolute(path)
    api_id = api_id or ids.lower_alnum(10)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    source_ip = source_ip or ids.source_ip()
    text, is_base64, content_type = _body(body, is_base64)
    defaults: dict[str, str] = {"Accept": "*/*"}
    if content_type:
        defaults["Content-Type"] = content_type
    defaults.update({
        "Host": domain,
        "User-Agent": user_agent,
        "X-Amzn-Trace-Id": ids.trace_id(moment),
        "X-Forwarded-For": source_ip,
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    })
    header_values = _merge_headers(defaults, headers)
    query_values = _query_values(query)
    resource = resource if resource is not None else path
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        # REST APIs keep the last of repeated headers and query strings in the single-value maps.
        "headers": {name: values[-1] for name, values in header_values.items()},
        "multiValueHeaders": {name: list(values) for name, values in header_values.items()},
        "queryStringParameters": {k: v[-1] for k, v in query_values.items()} if query_values else None,
        "multiValueQueryStringParameters": {k: list(v) for k, v in query_values.items()} if query_values else None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": {
            "resourceId": ids.lower_alnum(6),
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": ids.b64(11),
            "requestTime": clf_time(moment),
            # The default execute-api URL carries the stage; the top-level "path" does not.
            "path": f"/{stage}{path}",
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": epoch_ms(moment),
            "requestId": ids.uuid4(),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": _header(header_values, "User-Agent", user_agent),
                "user": None,
            },
            "domainName": domain,
            "apiId": api_id,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def api_gateway_v2(
    method: str = "GET",
    path: str = "/",
    *,
    query: Query | None = None,
    headers: Headers | None = None,
    cookies: Sequence[str] | None = None,
    body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    route_key: str = "$default",
    stage: str = "$default",
    is_base64: bool = False,
    source_ip: str | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """An HTTP API request through a Lambda integration (payload format 2.0).

    >>> event = api_gateway_v2("POST", "/orders", body={"sku": "A1"}, now=0, seed=1)
    >>> event["headers"]["content-type"], event["body"]
    ('application/json', '{"sku": "A1"}')

    Header names are lower-cased and repeated values comma-joined; cookies move from the
    ``cookie`` header to ``cookies``. Unlike format 1.0, absent query strings, path parameters,
    stage variables, cookies and body are left out rather than ``None``.
    See https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    """
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "apigateway-v2"))
    api_id = api_id or ids.lower_alnum(10)
    # HTTP APIs put the stage in the path unless it is the $default stage.
    full_path = _absolute(path) if stage == "$default" else f"/{stage}{_absolute(path)}"
    return http_event_v2(
        method, full_path, ids=ids, moment=moment, query=query, headers=headers, cookies=cookies,
        body=body, is_base64=is_base64, path_parameters=path_parameters, stage_variables=stage_variables,
        route_key=route_key, stage=stage, api_id=api_id, domain=f"{api_id}.execute-api.{region}.amazonaws.com",
        account_id=account_id, source_ip=source_ip or ids.source_ip(), user_agent=user_agent,
        request_id=ids.b64(11, urlsafe=True), extra_headers={},
    )


def http_event_v2(
    method: str,
    path: str,
    *,
    ids: Ids,
    moment: float,
    query: Query | None,
    headers: Headers | None,
    cookies: Sequence[str] | None,
    body: Any,
    is_base64: bool,
    path_parameters: Mapping[str, str] | None,
    stage_variables: Mapping[str, str] | None,
    route_key: str,
    stage: str,
    api_id: str,
    domain: str,
    account_id: str,
    source_ip: str,
    user_agent: str,
    request_id: str,
    extra_headers: Mapping[str, str],
) -> dict[str, Any]:
    """The payload format 2.0 event; HTTP APIs and function URLs differ only in what they pass."""
    text, is_base64, content_type = _body(body, is_base64)
    raw_body = base64.b64decode(text) if (text is not None and is_base64) else (text or "").encode()
    defaults = {"accept": "*/*", "content-length": str(len(raw_body))}
    if content_type:
        defaults["content-type"] = content_type
    defaults.update({
        "host": domain,
        "user-agent": user_agent,
        **extra_headers,
        "x-amzn-trace-id": ids.trace_id(moment),
        "x-forwarded-for": source_ip,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    })
    header_values = {name.lower(): values for name, values in _merge_headers(defaults, headers).items()}
    all_cookies = [c for value in header_values.pop("cookie", []) for c in value.split("; ") if c]
    all_cookies += list(cookies or [])
    query_values = _query_values(query)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": _raw_query(query),
    }
    if all_cookies:
        event["cookies"] = all_cookies
    event["headers"] = {name: ",".join(values) for name, values in header_values.items()}
    if query_values:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query_values.items()}
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": ",".join(header_values.get("user-agent", [user_agent])),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": stage,
        "time": clf_time(moment),
        "timeEpoch": epoch_ms(moment),
    }
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = is_base64
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event


def _absolute(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _body(body: Any, is_base64: bool) -> tuple[str | None, bool, str | None]:
    """(body as AWS sends it, isBase64Encoded, a Content-Type to add when the caller set none)."""
    if body is None:
        return None, False, None
    if isinstance(body, (bytes, bytearray)):
        return base64.b64encode(bytes(body)).decode("ascii"), True, "application/octet-stream"
    if isinstance(body, str):
        return body, is_base64, None
    return json.dumps(body), False, "application/json"


def _merge_headers(defaults: Mapping[str, str], headers: Headers | None) -> dict[str, list[str]]:
    """Defaults first, the caller's headers replacing any default of the same name (any case)."""
    merged: dict[str, list[str]] = {name: [value] for name, value in defaults.items()}
    for name, value in (headers or {}).items():
        for existing in [n for n in merged if n.lower() == name.lower()]:
            del merged[existing]
        merged[name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return merged


def _header(headers: Mapping[str, list[str]], name: str, default: str) -> str:
    for existing, values in headers.items():
        if existing.lower() == name.lower():
            return values[-1]
    return default


def _query_items(query: Query | None) -> list[tuple[str, str]]:
    if not query:
        return []
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    items = []
    for name, value in query.items():
        for one in (value if isinstance(value, (list, tuple)) else [value]):
            items.append((name, str(one)))
    return items


def _query_values(query: Query | None) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in _query_items(query):
        values.setdefault(name, []).append(value)
    return values


def _raw_query(query: Query | None) -> str:
    if isinstance(query, str):
        return query.lstrip("?")
    return urlencode(_query_items(query))
