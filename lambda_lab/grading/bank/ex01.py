"""Exercise 1 (after notebook 2): the hello handler, with a default name."""

import json

from ..checks import exercise

ex01 = exercise("ex01", "Hello, with a default")
FUNCTION = "ex01-hello"


def _greeting(ns, event):
    answer = ns.function(FUNCTION).invoke(event)
    assert answer.error is None, f"the handler failed: {answer.error.get('errorType')}: {answer.error.get('errorMessage')}"
    payload = answer.payload
    assert isinstance(payload, dict), f"return a dict with statusCode and body; it returned {payload!r:.80}"
    assert payload.get("statusCode") == 200, f"statusCode should be 200, it was {payload.get('statusCode')!r}"
    body = payload.get("body")
    assert isinstance(body, str), f"body should be a string holding JSON (json.dumps), it is a {type(body).__name__}"
    try:
        return json.loads(body)
    except ValueError:
        raise AssertionError(f"body should hold JSON, it is {body!r:.80}") from None


@ex01.check(points=1, hint="Read the name with event.get(\"name\", ...) and put it in the message.")
def greets_by_name(ns):
    body = _greeting(ns, {"name": "Ada"})
    assert body == {"message": "Hello, Ada!"}, f'expected {{"message": "Hello, Ada!"}}, got {body!r:.80}'


@ex01.check(points=1, hint="Fall back to \"World\" when the name is missing or empty: event.get(\"name\") or \"World\".")
def greets_the_world_without_a_name(ns):
    body = _greeting(ns, {})
    assert body == {"message": "Hello, World!"}, f'expected {{"message": "Hello, World!"}}, got {body!r:.80}'


@ex01.check(points=1, hidden=True)
def greets_the_world_for_an_empty_name(ns):
    body = _greeting(ns, {"name": ""})
    assert body == {"message": "Hello, World!"}, f"an empty name should greet the World, got {body!r:.80}"


@ex01.check(points=1, hidden=True)
def keeps_unusual_names_intact(ns):
    name = 'Zoë "Z" O\'Neil'
    body = _greeting(ns, {"name": name})
    assert body == {"message": f"Hello, {name}!"}, f"got {body!r:.80}"
