"""A REST API's resource policy, evaluated for each request as API Gateway does for an unsigned caller.

For an API without IAM authorization, API Gateway allows a request only if a statement of the
resource policy allows ``execute-api:Invoke`` on the method's ARN
(``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>``) and none denies it;
otherwise it answers 403 ``User: anonymous is not authorized to perform: execute-api:Invoke on
resource: <arn>``. ``execute-api:/...`` in a policy is short for that ARN's prefix.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html

Conditions on the keys a caller here has are evaluated (``aws:CurrentTime`` and ``aws:EpochTime``
on the lab clock, ``aws:SourceIp``, ``aws:UserAgent``, ``aws:Referer``) with the Date, IpAddress,
String and Numeric operators, ``...IfExists`` and ``ForAnyValue``-free single values. A key the
request lacks (``aws:SourceVpce``: there is no VPC endpoint here) makes a positive operator false
and a negated one true, as in IAM.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from datetime import datetime, timezone
from typing import Any

from ...errors import LambdaLabError

__all__ = ["PolicyError", "denial"]


class PolicyError(LambdaLabError):
    """A resource policy the lab cannot evaluate (answered as a 500 that names what)."""


def denial(policy: str | dict | None, *, arn: str, api_prefix: str, facts: dict[str, Any]) -> str | None:
    """API Gateway's 403 message if the policy does not let an anonymous caller invoke ``arn``, else None."""
    if not policy:
        return None
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not _applies(statement, arn, api_prefix, facts):
            continue
        if statement.get("Effect") == "Deny":
            return (f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn} "
                    "with an explicit deny")
        allowed = allowed or statement.get("Effect") == "Allow"
    return None if allowed else f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn}"


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _applies(statement: dict, arn: str, api_prefix: str, facts: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal not in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
        return False   # a statement for named principals: an anonymous caller is not one of them
    actions = _listed(statement.get("Action", []))
    if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) or a == "*" for a in actions):
        return False
    resources = [r.replace("execute-api:/", api_prefix + "/", 1) if r.startswith("execute-api:/") else r
                 for r in _listed(statement.get("Resource", []))]
    matches = any(fnmatch.fnmatchcase(arn, r) for r in resources)
    if "NotResource" in statement:
        matches = not any(fnmatch.fnmatchcase(arn, r.replace("execute-api:/", api_prefix + "/", 1))
                          for r in _listed(statement["NotResource"]))
    return matches and all(_condition(operator, keys, facts) for operator, keys in
                           (statement.get("Condition") or {}).items())


def _condition(operator: str, keys: dict, facts: dict[str, Any]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    negated = base.startswith(("StringNot", "NotIpAddress", "NumericNotEquals", "DateNotEquals"))
    for key, wanted in keys.items():
        actual = facts.get(key.lower())
        if actual is None:
            if if_exists or negated:
                continue
            return False
        if not _test(base, actual, _listed(wanted)):
            return False
    return True


def _test(operator: str, actual: Any, wanted: list) -> bool:
    if operator in ("IpAddress", "NotIpAddress"):
        address = ipaddress.ip_address(actual)
        inside = any(address in ipaddress.ip_network(str(w), strict=False) for w in wanted)
        return inside if operator == "IpAddress" else not inside
    if operator.startswith("String"):
        ignore_case = operator.endswith("IgnoreCase")
        kind = operator.removesuffix("IgnoreCase")
        text = str(actual).lower() if ignore_case else str(actual)
        values = [str(w).lower() if ignore_case else str(w) for w in wanted]
        if kind in ("StringEquals", "StringNotEquals"):
            found = text in values
        elif kind in ("StringLike", "StringNotLike"):
            found = any(fnmatch.fnmatchcase(text, v) for v in values)
        else:
            raise PolicyError(f"the condition operator {operator} is not evaluated by the lab")
        return not found if "Not" in kind else found
    if operator.startswith("Date"):
        moment = _time(actual)
        return _compare(operator.removeprefix("Date"), moment, [_time(w) for w in wanted])
    if operator.startswith("Numeric"):
        return _compare(operator.removeprefix("Numeric"), float(actual), [float(w) for w in wanted])
    if operator == "Bool":
        return str(actual).lower() in [str(w).lower() for w in wanted]
    raise PolicyError(f"the condition operator {operator} is not evaluated by the lab")


def _compare(kind: str, actual: Any, wanted: list) -> bool:
    tests = {"Equals": lambda a, w: a == w, "NotEquals": lambda a, w: a != w, "LessThan": lambda a, w: a < w,
             "LessThanEquals": lambda a, w: a <= w, "GreaterThan": lambda a, w: a > w,
             "GreaterThanEquals": lambda a, w: a >= w}
    if kind not in tests:
        raise PolicyError(f"the condition operator {kind} is not evaluated by the lab")
    if kind == "NotEquals":
        return all(tests[kind](actual, w) for w in wanted)
    return any(tests[kind](actual, w) for w in wanted)


def _time(value: Any) -> float:
    """Seconds since the epoch from an epoch number or an ISO 8601 time ("2022-09-01T00:00:00Z")."""
    if isinstance(value, (int, float)) or str(value).replace(".", "", 1).isdigit():
        return float(value)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()
