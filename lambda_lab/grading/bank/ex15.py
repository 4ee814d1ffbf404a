"""Exercise 15 (after notebook 15): keep tenants apart with tenant isolation and ``context.tenant_id``.

``ex15-profiles`` serves many customers from one function. An upload ``{"customer": C, "profile":
{...}}`` saves C's profile in the DynamoDB table ``ex15-profiles`` and keeps it in a module-level
``cache``; a request without ``profile`` answers ``{"customer": C, "profile": ...}``, from the cache
when it can. On an ordinary function one warm environment serves every customer, so the cache hands
one customer's profile to the next. The checks need the function created with ``TenancyConfig``
PER_TENANT, invoke it with tenant ids (their profiles carry a tag of their own, so checks can run
again), compare the environment each call ran in (``Invocation.environment``, its log stream), and
send an event that names another customer than its tenant id: the handler must serve
``context.tenant_id``, never the event's ``customer``.
"""

from __future__ import annotations

import json
import uuid

from ...errors import LambdaLabError
from ..checks import Fail, exercise

ex15 = exercise("ex15", "Keep tenants apart")
FUNCTION = "ex15-profiles"
_DEPLOY = (f'deploy it with lab.deploy("{FUNCTION}", code=SOURCE, tenant_isolation=True); Lambda sets tenant '
           "isolation only when it creates a function, so run the notebook again from the top (a new lab)")
_TRUST = ('decide whose profile to serve from context.tenant_id (customer = context.tenant_id), not from '
          'event["customer"], which any caller can write')


def _isolated(ns):
    """The learner's function, once it is known to have TenancyConfig PER_TENANT."""
    fn = ns.function(FUNCTION)
    tenancy = ns.lab.client("lambda").get_function_configuration(FunctionName=FUNCTION).get("TenancyConfig") or {}
    assert tenancy.get("TenantIsolationMode") == "PER_TENANT", (
        f"{FUNCTION} has no tenant isolation (GetFunctionConfiguration shows TenancyConfig "
        f"{tenancy or 'missing'}), so its environments serve every customer: {_DEPLOY}")
    return fn


def _profile(company: str, tag: str) -> dict:
    return {"company": company, "contact": f"ops-{tag}@{company.split()[0].lower()}.example", "plan": "team"}


def _call(fn, tenant: str, event: dict):
    """One invocation as ``tenant``; its answer must be ``{"customer": ..., "profile": ...}``."""
    try:
        answer = fn.invoke(event, tenant_id=tenant)
    except LambdaLabError as refused:
        raise Fail(f"invoking {FUNCTION} as tenant {tenant!r} was refused: {refused}") from None
    assert not answer.throttled, "the call was throttled (too many at once); run the check again"
    assert answer.error is None, (f"called as tenant {tenant!r} with {json.dumps(event)[:120]}, the handler failed: "
                                  f"{answer.error.get('errorType')}: {answer.error.get('errorMessage')}"[:400])
    payload = answer.payload
    assert isinstance(payload, dict) and {"customer", "profile"} <= set(payload), (
        f'answer {{"customer": ..., "profile": ...}}; called as tenant {tenant!r} it answered {payload!r:.150}')
    return answer


def _holds(payload: dict, tag: str) -> bool:
    return tag in json.dumps(payload, default=str)


@ex15.check(points=1, hint=f'lab.deploy("{FUNCTION}", code=SOURCE, tenant_isolation=True) creates it with '
                           'TenancyConfig {"TenantIsolationMode": "PER_TENANT"}; run every cell from the top after.')
def created_with_tenant_isolation(ns):
    _isolated(ns)


@ex15.check(points=2, hint='Call it as each customer: service.invoke(event, tenant_id="acme"). Lambda then runs '
                           "each tenant's calls only in environments of that tenant.")
def tenants_never_see_each_other(ns):
    fn = _isolated(ns)
    tag = uuid.uuid4().hex[:6]
    acme = _profile("Acme Corp", tag)
    upload = _call(fn, "acme", {"customer": "acme", "profile": acme})
    globex = _call(fn, "globex", {"customer": "globex"})
    assert not _holds(globex.payload, tag), (
        f"acme uploaded its profile, then globex asked for its own and got {globex.payload['profile']!r:.120}: "
        "acme's data. Serve each tenant only what it uploaded: save and read its profile under its tenant id")
    assert upload.environment and globex.environment and upload.environment != globex.environment, (
        f"acme and globex ran in the same execution environment ({upload.environment}): invoke with each "
        "customer's id as the tenant id, so no environment serves two tenants")
    back = _call(fn, "acme", {"customer": "acme"})
    assert back.payload["profile"] == acme, (
        f"acme asked for the profile it had just uploaded ({acme}) and got {back.payload['profile']!r:.120}: "
        "save the upload (put_item) and keep it in the cache, as the starting handler does")


@ex15.check(points=2, hint='In the handler: customer = context.tenant_id. The event is written by the caller; the '
                           'tenant id is set by Lambda from the invocation.')
def trusts_the_tenant_id_not_the_event(ns):
    fn = _isolated(ns)
    tag = uuid.uuid4().hex[:6]
    _call(fn, "acme", {"customer": "acme", "profile": _profile("Acme Corp", tag)})
    claim = _call(fn, "globex", {"customer": "acme"})
    assert claim.payload["customer"] == "globex" and not _holds(claim.payload, tag), (
        f'a request of tenant globex whose event says {{"customer": "acme"}} was answered as '
        f"{claim.payload['customer']!r} with {claim.payload['profile']!r:.100}; it should get globex's view: "
        f"{_TRUST}")


@ex15.check(points=1, hidden=True)
def a_third_tenant_gets_only_its_own(ns):
    fn = _isolated(ns)
    tag, other = uuid.uuid4().hex[:6], uuid.uuid4().hex[:6]
    initech, acme = _profile("Initech", tag), _profile("Acme Corp", other)
    _call(fn, "initech", {"customer": "initech", "profile": initech})
    _call(fn, "acme", {"customer": "acme", "profile": acme})
    for tenant, expected in (("initech", initech), ("acme", acme)):
        got = _call(fn, tenant, {"customer": tenant}).payload
        assert got == {"customer": tenant, "profile": expected}, (
            f"tenant {tenant!r} asked for its own profile and got {got!r:.150}")
    globex = _call(fn, "globex", {"customer": "initech"}).payload
    assert not (_holds(globex, tag) or _holds(globex, other)), (
        f"globex was answered with another tenant's profile: {globex!r:.150}")


@ex15.check(points=1, hidden=True)
def a_call_without_a_tenant_is_refused(ns):
    fn = _isolated(ns)
    try:
        answer = fn.invoke({"customer": "acme"})
    except LambdaLabError as refused:
        assert "InvalidParameterValueException" in str(refused), f"refused, but not for the tenant id: {refused}"
    else:
        raise Fail(f"a call without a tenant id was answered ({answer.payload!r:.100}): {_DEPLOY}")
