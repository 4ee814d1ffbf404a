"""What the lab's WSGI middlewares in front of moto share: routing AWS requests to methods, passing
the others (and some of those) on, and AWS's error answers.

A middleware lists ``routes`` (method, path pattern, method name); a Lambda request (signed for the
``lambda`` service) that matches one is answered by that method as ``(status, headers, body)``;
everything else goes on to the next application. A method may raise :class:`PassThrough` to let
the next application answer after all, or call :meth:`RoutedMiddleware.passed_on` to see its answer
first and add to it.
"""

from __future__ import annotations

import io
import json
import re
from typing import Callable, Iterable

from ...errors import InvalidParameterValueError, LambdaLabError
from .http_front import status_line

__all__ = ["RoutedMiddleware", "PassThrough", "Response", "read_body", "json_object", "error_response", "aws_error", "call_wsgi"]

Response = tuple[int, dict, bytes]
_SIGNED_FOR_LAMBDA = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/lambda/")


class PassThrough(Exception):
    """Let the next application answer this request."""


class RoutedMiddleware:
    routes: list[tuple[str, re.Pattern, str]] = []
    #: Methods that answer through ``start_response`` themselves (a stream), called with it as a 4th argument.
    streaming: tuple[str, ...] = ()

    def __init__(self, app: Callable):
        self._app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = self._route(environ)
        if route is None:
            return self._app(environ, start_response)
        action, match = route
        body = read_body(environ)
        if action in self.streaming:
            return getattr(self, action)(environ, match, body, start_response)
        try:
            status, headers, payload = getattr(self, action)(environ, match, body)
        except PassThrough:
            environ["wsgi.input"] = io.BytesIO(body)   # the next application reads the body again
            return self._app(environ, start_response)
        except LambdaLabError as exc:
            status, headers, payload = error_response(exc)
        headers = {"Content-Type": "application/json", **headers, "Content-Length": str(len(payload))}
        start_response(status_line(status), list(headers.items()))
        return [payload]

    def _route(self, environ: dict) -> tuple[str, re.Match] | None:
        if not _SIGNED_FOR_LAMBDA.search(environ.get("HTTP_AUTHORIZATION", "")):
            return None
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        for route_method, pattern, action in self.routes:
            match = pattern.match(path) if method == route_method else None
            if match:
                return action, match
        return None

    def passed_on(self, environ: dict, body: bytes) -> Response:
        """The next application's answer to this request (with ``body``), to add to."""
        return call_wsgi(self._app, environ, body)


def call_wsgi(app: Callable, environ: dict, body: bytes) -> Response:
    """Pass a request (whose body a middleware has read) on to ``app``; (status, headers, payload),
    without Content-Type and Content-Length, which the caller sets for what it answers."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    answered: dict = {}

    def start_response(status: str, headers: list, exc_info=None) -> None:
        answered["status"], answered["headers"] = int(status.split()[0]), headers

    payload = b"".join(app(environ, start_response))
    headers = {k: v for k, v in answered["headers"] if k.lower() not in ("content-type", "content-length")}
    return answered["status"], headers, payload


def json_object(body: bytes) -> dict:
    """A request's JSON object body ({} when empty); InvalidParameterValueException otherwise."""
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise InvalidParameterValueError("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise InvalidParameterValueError("The request body must be a JSON object.")
    return value


def read_body(environ: dict) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def error_response(exc: LambdaLabError) -> Response:
    """AWS's error answer for one of the lab's errors (its code, HTTP status and throttle Reason)."""
    extra = {"Reason": exc.reason} if getattr(exc, "reason", None) else {}
    return aws_error(exc.http_status, exc.aws_code or "ServiceException", str(exc), **extra)


def aws_error(status: int, code: str, message: str, **extra) -> Response:
    body = {"Type": "User", "message": message, **extra}
    return status, {"X-Amzn-ErrorType": code}, json.dumps(body).encode()
