"""Lambda function URL requests: payload format 2.0 with a few fixed fields.

Mirrors https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from ._apigateway import DEFAULT_USER_AGENT, Headers, Query, http_event_v2
from ._common import DEFAULT_REGION, Ids, resolve_now, resolve_rng

__all__ = ["function_url"]


def function_url(
    method: str = "GET",
    path: str = "/",
    *,
    query: Query | None = None,
    headers: Headers | None = None,
    cookies: Sequence[str] | None = None,
    body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
    is_base64: bool = False,
    url_id: str | None = None,
    source_ip: str | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    region: str = DEFAULT_REGION,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A request to a function URL with auth type ``NONE``.

    >>> event = function_url("GET", "/hello", query="name=Ada", url_id="abcdefg", now=0, seed=1)
    >>> event["requestContext"]["domainName"], event["queryStringParameters"]
    ('abcdefg.lambda-url.us-east-1.on.aws', {'name': 'Ada'})

    The same shape as an HTTP API event (format 2.0), but ``routeKey`` and ``stage`` are always
    ``$default`` and the caller's ``accountId`` is ``"anonymous"``.
    See https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
    """
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "function-url"))
    # Function URL ids are 32 lower-case letters and digits: https://<url-id>.lambda-url.<region>.on.aws
    url_id = url_id or ids.lower_alnum(32)
    # With auth type NONE nobody signed the request, so AWS reports the account as "anonymous"
    # and leaves out authorizer, authentication, pathParameters and stageVariables (the docs
    # allow null or absent; captured events leave them out).
    return http_event_v2(
        method, path if path.startswith("/") else "/" + path, ids=ids, moment=moment, query=query,
        headers=headers, cookies=cookies, body=body, is_base64=is_base64, path_parameters=None,
        stage_variables=None, route_key="$default", stage="$default", api_id=url_id,
        domain=f"{url_id}.lambda-url.{region}.on.aws", account_id="anonymous",
        source_ip=source_ip or ids.source_ip(), user_agent=user_agent, request_id=ids.uuid4(),
        extra_headers={"x-amzn-tls-cipher-suite": "TLS_AES_128_GCM_SHA256"},
    )
