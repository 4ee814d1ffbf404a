"""Tenant isolation: a function's ``TenancyConfig`` and the tenant id each invocation must carry.

AWS: https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation.html,
https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-invoke.html,
https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-troubleshooting.html and
https://docs.aws.amazon.com/lambda/latest/api/API_TenancyConfig.html

- ``TenancyConfig: {TenantIsolationMode: PER_TENANT}`` is set at CreateFunction and "cannot be
  modified after function creation" (UpdateFunctionConfiguration has no such parameter).
- Every invocation of such a function names a tenant (``X-Amz-Tenant-Id``; ``--tenant-id``), and
  Lambda runs it only in an environment of that tenant. An invocation without a tenant id, or one
  with a tenant id to a function without tenant isolation, is refused with
  InvalidParameterValueException.
- Incompatible with it (CDK's TenancyConfig docs list them, from Lambda's considerations):
  SnapStart, provisioned concurrency, function URLs and event sources other than API Gateway; the
  lab refuses each where it is configured.

moto 5.2.5 knows none of it: the setting is kept on moto's function object (a published version
keeps it) and added to what moto answers.
"""

from __future__ import annotations

import re

from ...errors import InvalidParameterValueError

__all__ = ["TENANCY", "tenancy_of", "validate_tenancy_config", "check_tenant"]

#: Where a function's TenancyConfig lives on moto's LambdaFunction.
TENANCY = "lambda_lab_tenancy_config"
_TENANT_ID = re.compile(r"^[a-zA-Z0-9\._:\/=+\-@ ]{1,256}$")


def tenancy_of(fn) -> dict | None:
    return getattr(fn, TENANCY, None)


def validate_tenancy_config(config, spec: dict) -> dict | None:
    """The TenancyConfig a CreateFunction request sets (None without one), refusing what AWS refuses."""
    if config is None:
        return None
    if not isinstance(config, dict) or config.get("TenantIsolationMode") != "PER_TENANT" or set(config) - {
            "TenantIsolationMode"}:
        raise InvalidParameterValueError(
            'TenancyConfig must be {"TenantIsolationMode": "PER_TENANT"} (the only mode Lambda has).')
    if ((spec.get("SnapStart") or {}).get("ApplyOn") or "None") != "None":
        raise InvalidParameterValueError(
            "Tenant isolation cannot be used with SnapStart: remove SnapStart or TenancyConfig.")
    return {"TenantIsolationMode": "PER_TENANT"}


def check_tenant(fn, tenant_id: str | None) -> None:
    """Refuse an invocation whose tenant id does not fit the function, as Lambda does."""
    isolated = tenancy_of(fn) is not None
    if isolated and not tenant_id:
        raise InvalidParameterValueError(
            f"Function {fn.function_name} uses tenant isolation: each invocation needs a tenant ID "
            "(TenantId=... in boto3, --tenant-id in the AWS CLI, the X-Amz-Tenant-Id header in the API).")
    if not isolated and tenant_id:
        raise InvalidParameterValueError(
            f"Tenant ID configuration was passed to function {fn.function_name}, which does not have tenant "
            "isolation enabled: remove the tenant ID, or create the function with "
            'TenancyConfig={"TenantIsolationMode": "PER_TENANT"}.')
    if tenant_id and not _TENANT_ID.match(tenant_id):
        raise InvalidParameterValueError(
            f"Tenant ID {tenant_id!r} is not valid: use 1-256 letters, digits, spaces and ._:/=+-@.")


def refuse_for_isolated(fn, what: str) -> None:
    """``what`` (a function URL, provisioned concurrency, an event source mapping) cannot serve tenants."""
    if tenancy_of(fn) is not None:
        raise InvalidParameterValueError(
            f"{what} cannot be used with a function that has tenant isolation ({fn.function_name}): Lambda "
            "needs a tenant ID on every invocation, which it cannot supply. Invoke the function with a tenant "
            "ID (directly, or through an API Gateway REST API that maps one into X-Amz-Tenant-Id).")
