"""API Gateway mapping templates: Velocity (VTL) with ``$input``, ``$util``, ``$context``, ``$stageVariables``.

A REST API's non-proxy integration rewrites the request and the response with these templates.
The Velocity language itself is airspeed's (the VTL engine LocalStack uses for the same job); the
variables are API Gateway's, as its reference describes them:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import airspeed

from ...errors import LambdaLabError

__all__ = ["MappingRequest", "render", "json_path"]


class MappingTemplateError(LambdaLabError):
    """A template API Gateway would reject or fail on (answered as a 500 by the front)."""


@dataclass
class MappingRequest:
    """What a template may read about the request (or, in a response template, the integration's answer)."""

    body: str = ""
    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)


_PATH_PART = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]|\[\*\]|\.\*")


def json_path(document: Any, path: str) -> Any:
    """The value at a JSONPath of the forms mapping templates use: ``$``, ``$.a.b``, ``$.a[0]``, ``$['a b']``.

    A path that leads nowhere is None (a template then renders it as empty), as in API Gateway.
    """
    path = path.strip()
    if not path.startswith("$"):
        raise MappingTemplateError(f"Invalid JSONPath {path!r}: it starts with $ (e.g. $.name).")
    position, found = 1, document
    while position < len(path):
        match = _PATH_PART.match(path, position)
        if match is None:
            raise MappingTemplateError(f"Invalid JSONPath {path!r} at {path[position:]!r}.")
        position = match.end()
        if match[0] in ("[*]", ".*"):
            continue   # the whole list or object, as API Gateway returns for $.items[*]
        key = match[1] or match[3]
        if key is not None:
            found = found.get(key) if isinstance(found, dict) else None
        else:
            index = int(match[2])
            found = found[index] if isinstance(found, list) and index < len(found) else None
    return found


class _Input:
    """``$input``: the payload and the request's parameters."""

    def __init__(self, request: MappingRequest):
        self._request = request
        self.body = request.body

    def _document(self) -> Any:
        if not self._request.body:
            return {}
        try:
            return json.loads(self._request.body)
        except ValueError:
            return self._request.body   # API Gateway evaluates a non-JSON body as a string

    def json(self, path: str) -> str:
        return json.dumps(json_path(self._document(), path))

    def path(self, path: str) -> Any:
        return json_path(self._document(), path)

    def params(self, name: str | None = None) -> Any:
        request = self._request
        if name is None:
            return {"path": request.path, "querystring": request.querystring, "header": request.header}
        for source in (request.path, request.querystring):
            if name in source:
                return source[name]
        lowered = {k.lower(): v for k, v in request.header.items()}
        return lowered.get(name.lower(), "")


class _Util:
    """``$util``: the helpers API Gateway gives templates."""

    def escapeJavaScript(self, text: Any) -> str:  # noqa: N802 - API Gateway's name
        # As API Gateway: JavaScript string escapes, with single quotes escaped too ("\'").
        return json.dumps(str(text))[1:-1].replace("'", "\\'")

    def parseJson(self, text: str) -> Any:  # noqa: N802
        try:
            return json.loads(text)
        except ValueError as exc:
            raise MappingTemplateError(f"$util.parseJson: not JSON ({exc}).") from None

    def urlEncode(self, text: Any) -> str:  # noqa: N802
        return quote(str(text), safe="")

    def urlDecode(self, text: Any) -> str:  # noqa: N802
        return unquote(str(text).replace("+", " "))

    def base64Encode(self, text: Any) -> str:  # noqa: N802
        data = text if isinstance(text, bytes) else str(text).encode()
        return base64.b64encode(data).decode()

    def base64Decode(self, text: Any) -> str:  # noqa: N802
        return base64.b64decode(str(text)).decode("utf-8", errors="replace")


def render(template: str, request: MappingRequest) -> str:
    """``template`` rendered for ``request``."""
    namespace = {"input": _Input(request), "util": _Util(), "context": request.context,
                 "stageVariables": request.stage_variables}
    try:
        return airspeed.Template(template).merge(namespace)
    except airspeed.TemplateError as exc:
        raise MappingTemplateError(f"The mapping template could not be rendered: {exc}") from None
