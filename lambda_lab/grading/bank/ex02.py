"""Exercise 2 (after notebook 4): an HTTP API for a tiny "items" resource, with proper status codes.

The function ``ex02-items`` sits behind an HTTP API (payload format 2.0, one ``$default`` route) and
routes requests itself, storing items in the table ``ex02-items`` through helpers it is given:

- ``GET /items/{id}``: 200 and the item; 404 and ``{"error": ...}`` when there is none;
- ``POST /items`` with a JSON object that has a non-empty string ``name``: 201, the created item
  (the object plus a generated ``id``) and ``Location: /items/<id>``; 400 and ``{"error": ...}``
  when the body is missing, is not JSON, is not a JSON object, or has no usable ``name`` (the
  error names the field);
- another method on ``/items`` or ``/items/{id}``: 405; any other path: 404.

Every answer is JSON with ``Content-Type: application/json``. Most checks invoke the function with
``events.api_gateway_v2(...)`` (so they see the headers the handler returns); one goes through a
real HTTP API.
"""

from __future__ import annotations

import json
import uuid

from ..checks import exercise

ex02 = exercise("ex02", "An HTTP API with proper status codes")
FUNCTION = "ex02-items"


def _call(ns, method: str, path: str, body=None, *, expect: int, what: str = ""):
    """Invoke the handler with an HTTP API (format 2.0) request and check the status first, then that
    the body is JSON (an error's too); returns (headers with lower-case names, the decoded body)."""
    from ... import events
    headers = {"content-type": "application/json"} if body is not None else None
    event = events.api_gateway_v2(method, path, body=body, headers=headers)
    answer = ns.function(FUNCTION).invoke(event)
    where = f"{method} {path}" + (f" with {what}" if what else "")
    assert answer.error is None, (f"{where}: the handler failed with {answer.error.get('errorType')}: "
                                  f"{answer.error.get('errorMessage')}"[:300] + " (API Gateway would answer 502)")
    payload = answer.payload
    assert isinstance(payload, dict) and "statusCode" in payload, (
        f"{where}: return a dict with statusCode, headers and body; the handler returned {payload!r:.100}")
    text = payload.get("body")
    assert payload["statusCode"] == expect, (f"{where} should answer {expect}, it answered "
                                             f"{payload['statusCode']!r} with the body {text!r:.100}")
    headers = payload.get("headers") or {}
    assert isinstance(headers, dict), (f"{where}: headers should be a dict of header names to values, "
                                       f"got {headers!r:.80}")
    headers = {str(k).lower(): str(v) for k, v in headers.items()}
    assert isinstance(text, str), (f"{where}: body should be a string holding JSON (json.dumps), "
                                   f"it is a {type(text).__name__}")
    try:
        document = json.loads(text)
    except ValueError:
        raise AssertionError(f"{where}: body should hold JSON, it is {text!r:.80}") from None
    if expect >= 400:
        assert isinstance(document, dict) and isinstance(document.get("error"), str) and document["error"].strip(), (
            f'{where}: the body should be a JSON object like {{"error": "what went wrong"}}, got {document!r:.100}')
    return headers, document


def _create(ns, item: dict) -> tuple[dict, dict]:
    headers, created = _call(ns, "POST", "/items", item, expect=201, what=json.dumps(item))
    assert isinstance(created, dict), (f"POST /items: the body should be the created item (an object), "
                                       f"got {created!r:.100}")
    assert isinstance(created.get("id"), str) and created["id"], (
        f'POST /items: the created item should carry its new "id" (a non-empty string), got {created!r:.100}')
    return created, headers


@ex02.check(points=2, hint="Answer 201 with the item you stored (the request's object plus a new \"id\", "
                           "e.g. uuid.uuid4().hex) and a Location header \"/items/<id>\".")
def creates_an_item(ns):
    sent = {"name": "desk lamp", "price": 25}
    created, headers = _create(ns, sent)
    for field, value in sent.items():
        assert created.get(field) == value, (f"POST /items: the created item should keep {field!r} = {value!r} "
                                             f"from the request, got {created!r:.100}")
    assert headers.get("location") == f"/items/{created['id']}", (
        f"POST /items: the Location header should be /items/{created['id']}, it was {headers.get('location')!r}")


@ex02.check(points=1, hint="Take the id from the path (rawPath \"/items/<id>\") and answer 200 with the stored item.")
def reads_an_item_back(ns):
    created, _ = _create(ns, {"name": "bookshelf", "colour": "oak"})
    _, found = _call(ns, "GET", f"/items/{created['id']}", expect=200)
    assert found == created, (f"GET /items/{created['id']} should answer the item POST created, {created!r:.100}; "
                              f"got {found!r:.100}")


@ex02.check(points=1, hint="When get_item(...) finds nothing, answer 404 with a JSON body {\"error\": ...}.")
def answers_404_for_a_missing_item(ns):
    _call(ns, "GET", f"/items/missing-{uuid.uuid4().hex[:8]}", expect=404)


@ex02.check(points=1, hint="json.loads raises ValueError on a body that is not JSON: catch it and answer 400 "
                           "with {\"error\": ...}.")
def rejects_a_body_that_is_not_json(ns):
    _call(ns, "POST", "/items", '{"name": "lamp",', expect=400, what="a body that is not JSON")


@ex02.check(points=1, hint="Every answer, errors included, carries headers {\"Content-Type\": \"application/json\"}.")
def labels_every_answer_as_json(ns):
    created, headers = _create(ns, {"name": "rug"})
    answers = [("POST /items", headers)]
    answers.append((f"GET /items/{created['id']}", _call(ns, "GET", f"/items/{created['id']}", expect=200)[0]))
    answers.append(("GET /items/missing", _call(ns, "GET", f"/items/missing-{uuid.uuid4().hex[:8]}", expect=404)[0]))
    answers.append(("POST /items with a body that is not JSON", _call(ns, "POST", "/items", "{", expect=400)[0]))
    for where, headers in answers:
        content_type = headers.get("content-type", "")
        assert content_type.split(";")[0].strip().lower() == "application/json", (
            f"{where}: answer with the header Content-Type: application/json (it was {content_type or 'missing'!r})")


@ex02.check(points=1, hint="lab.fire.http(items, \"POST\", \"/items\", body={...}) sends a real request; "
                           "read the answer with response.status_code and response.json().")
def works_through_an_http_api(ns):
    import requests
    base = ns.lab.fire.http_url(ns.function(FUNCTION))
    posted = requests.post(base + "items", json={"name": "wall clock"}, timeout=30)
    assert posted.status_code == 201, (f"a real POST /items through the HTTP API answered {posted.status_code}: "
                                       f"{posted.text[:120]}")
    created = posted.json()
    assert isinstance(created, dict) and created.get("id"), (f"a real POST /items answered {posted.text[:100]}, "
                                                             "not the created item")
    fetched = requests.get(base + f"items/{created.get('id')}", timeout=30)
    assert fetched.status_code == 200, (f"a real GET /items/<id> through the HTTP API answered {fetched.status_code}: "
                                        f"{fetched.text[:120]}")
    assert fetched.json() == created, f"GET /items/<id> answered {fetched.text[:100]}, not the item POST created"


@ex02.check(points=1, hidden=True)
def rejects_an_item_without_a_usable_name(ns):
    for body in ({"price": 3}, {"name": ""}, {"name": 42}):
        _, document = _call(ns, "POST", "/items", body, expect=400, what=json.dumps(body))
        assert "name" in document["error"].lower(), (f"POST /items with {json.dumps(body)}: the error should name "
                                                     f"the field 'name', it says {document['error']!r:.100}")


@ex02.check(points=1, hidden=True)
def rejects_missing_or_non_object_bodies(ns):
    for body, what in ((None, "no body"), ("[1, 2]", "a JSON array"), ('"lamp"', "a JSON string")):
        _call(ns, "POST", "/items", body, expect=400, what=what)


@ex02.check(points=1, hidden=True)
def answers_405_for_other_methods(ns):
    created, _ = _create(ns, {"name": "armchair"})
    for method, path in (("DELETE", f"/items/{created['id']}"), ("PUT", f"/items/{created['id']}"),
                         ("GET", "/items"), ("PATCH", "/items")):
        _call(ns, method, path, {"name": "x"} if method in ("PUT", "PATCH") else None, expect=405)


@ex02.check(points=1, hidden=True)
def answers_404_for_unknown_paths(ns):
    for method, path in (("GET", "/"), ("GET", "/orders"), ("GET", "/items/a/b"), ("POST", "/orders")):
        _call(ns, method, path, {"name": "x"} if method == "POST" else None, expect=404)
