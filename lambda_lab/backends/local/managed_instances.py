"""Lambda Managed Instances on the lab endpoint: capacity providers, functions on them, scaling.

moto 5.2.5 has none of it. This middleware answers the 2025-11-30 API (botocore's Lambda model is
the reference for every shape) and adds ``CapacityProviderConfig`` to functions:

- CreateCapacityProvider, GetCapacityProvider, ListCapacityProviders, UpdateCapacityProvider,
  DeleteCapacityProvider (202 for the three writes, as AWS answers), and
  ListFunctionVersionsByCapacityProvider;
- CreateFunction with ``CapacityProviderConfig``: Python 3.13 or later, at least 2,048 MB, the
  provider must exist; such a function logs in JSON; its ``$LATEST`` is ``ActiveNonInvocable``
  (it cannot be invoked); a provider cannot be added to a function made without one;
- PublishVersion (and ``Publish``/``PublishTo`` at CreateFunction) starts the version's execution
  environments (MinExecutionEnvironments, 3 by default) before it is ``Active``;
- an unqualified invoke runs ``$LATEST.PUBLISHED``, the newest published version
  (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-version-publishing.html);
- Put/GetFunctionScalingConfig start and stop environments.

AWS: https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances.html and the pages it
links (capacity providers, scaling, execution environment, quotas).

Departures (the lab's choices, where AWS takes minutes or the docs are silent):
- a capacity provider is ``Active`` as soon as it is created, and gone as soon as it is deleted
  (AWS: ``Pending`` while it launches instances, ``Deleting`` while it drains); no EC2 instance,
  VPC or operator role is checked or made: the lab's environments run on this machine;
- PublishVersion answers once the environments are up (``Active`` or ``Failed``), not ``Pending``;
- ``$LATEST.PUBLISHED`` is the newest numbered version here; on AWS ``PublishTo: LATEST_PUBLISHED``
  republishes a version of that name in place (the lab publishes a numbered version and answers
  with its number);
- invoking ``$LATEST`` of such a function is refused with InvalidParameterValueException (AWS's
  exact error is not documented); an unqualified invoke before any publish gets AWS's
  NoPublishedVersionException.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone

from ...errors import (CapacityProviderLimitExceededError, InvalidParameterValueError, ResourceConflictError,
                       ResourceNotFoundError)
from ...runtime.managed import ManagedSettings, validate_managed

__all__ = ["CAPACITY_PROVIDER", "MANAGED_STATE", "SCALING", "LATEST_PUBLISHED", "CapacityProviders",
           "managed_config_of", "managed_settings_of", "latest_published", "validate_capacity_provider_config",
           "scaling_of", "managed_state", "check_scaling"]

CAPACITY_PROVIDER = "lambda_lab_capacity_provider"   # on moto's LambdaFunction: its CapacityProviderConfig
MANAGED_STATE = "lambda_lab_managed_state"           # on a published version: State, StateReason(Code)
SCALING = "lambda_lab_scaling"                       # on a published version: its FunctionScalingConfig
LATEST_PUBLISHED = "$LATEST.PUBLISHED"
#: "Capacity providers | 1,000" (lambda-managed-instances-quotas.html)
PROVIDER_QUOTA = 1000
#: "Function versions per capacity provider | 100 ... Cannot be increased."
VERSIONS_PER_PROVIDER = 100
DEFAULT_SCALING = {"MinExecutionEnvironments": 3, "MaxExecutionEnvironments": 3}

_PROVIDER_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,140}$")


def managed_config_of(fn) -> dict | None:
    """A function's (or version's) LambdaManagedInstancesCapacityProviderConfig, defaults filled in."""
    return getattr(fn, CAPACITY_PROVIDER, None)


def managed_settings_of(fn) -> ManagedSettings | None:
    """What the Lambda service runs: the function's settings with AWS's default scaling (3 and 3).
    A version's FunctionScalingConfig is applied to its running pool, not here, so changing it
    never replaces the version's environments."""
    config = managed_config_of(fn)
    if config is None:
        return None
    return ManagedSettings(config["CapacityProviderArn"],
                           max_concurrency=config.get("PerExecutionEnvironmentMaxConcurrency"),
                           memory_gib_per_vcpu=float(config["ExecutionEnvironmentMemoryGiBPerVCpu"]),
                           min_environments=DEFAULT_SCALING["MinExecutionEnvironments"],
                           max_environments=DEFAULT_SCALING["MaxExecutionEnvironments"])


def latest_published(backend, name: str):
    """``$LATEST.PUBLISHED``: the newest published version of a function, or None."""
    versions = [fn for fn in backend.list_versions_by_function(name) if str(fn.version) != "$LATEST"]
    return max(versions, key=lambda fn: int(fn.version), default=None)


class CapacityProviders:
    """The account's capacity providers, as GetCapacityProvider describes them."""

    def __init__(self, *, account_id: str, region: str):
        self._account_id, self._region = account_id, region
        self._providers: dict[str, dict] = {}
        self._lock = threading.Lock()

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self._region}:{self._account_id}:capacity-provider:{name}"

    def create(self, spec: dict) -> dict:
        name = spec.get("CapacityProviderName")
        if not isinstance(name, str) or not _PROVIDER_NAME.match(name):
            raise InvalidParameterValueError(
                f"CapacityProviderName {name!r} is not valid: use 1-140 letters, digits, hyphens or underscores.")
        vpc = spec.get("VpcConfig")
        if not isinstance(vpc, dict) or not isinstance(vpc.get("SubnetIds"), list) or \
                not 1 <= len(vpc["SubnetIds"]) <= 16 or not isinstance(vpc.get("SecurityGroupIds"), list) or \
                len(vpc["SecurityGroupIds"]) > 5:
            raise InvalidParameterValueError(
                "VpcConfig must give SubnetIds (1 to 16) and SecurityGroupIds (0 to 5), e.g. "
                '{"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"]}.')
        role = (spec.get("PermissionsConfig") or {}).get("CapacityProviderOperatorRoleArn")
        if not isinstance(role, str) or not role.startswith("arn:"):
            raise InvalidParameterValueError(
                "PermissionsConfig.CapacityProviderOperatorRoleArn must be the ARN of the role Lambda uses to run "
                "the provider's instances (with the AWSLambdaManagedEC2ResourceOperator policy).")
        requirements = spec.get("InstanceRequirements") or {}
        if requirements.get("AllowedInstanceTypes") and requirements.get("ExcludedInstanceTypes"):
            raise InvalidParameterValueError(
                "InstanceRequirements takes AllowedInstanceTypes or ExcludedInstanceTypes, not both.")
        scaling = dict(spec.get("CapacityProviderScalingConfig") or {})
        check_scaling(scaling)
        with self._lock:
            if name in self._providers:
                raise ResourceConflictError(f"Capacity provider {name} already exists: choose another name, or "
                                            "update it (UpdateCapacityProvider).")
            if len(self._providers) >= PROVIDER_QUOTA:
                raise CapacityProviderLimitExceededError(
                    "The maximum number of capacity providers for your account has been exceeded "
                    f"({PROVIDER_QUOTA}): delete one you no longer use.")
            provider = {
                "CapacityProviderArn": self.arn(name), "State": "Active", "VpcConfig": vpc,
                "PermissionsConfig": {"CapacityProviderOperatorRoleArn": role},
                "InstanceRequirements": requirements,
                "CapacityProviderScalingConfig": {"ScalingMode": "Auto", **scaling},
                "LastModified": _now(),
            }
            for key in ("KmsKeyArn", "PropagateTags", "TelemetryConfig"):
                if spec.get(key) is not None:
                    provider[key] = spec[key]
            self._providers[name] = provider
            return json.loads(json.dumps(provider))

    def get(self, name_or_arn: str) -> dict:
        name = _provider_name(name_or_arn)
        with self._lock:
            provider = self._providers.get(name)
        if provider is None:
            raise ResourceNotFoundError(f"Capacity provider not found: {name}. Create it first "
                                        "(CreateCapacityProvider), or check the name.")
        return json.loads(json.dumps(provider))

    def list(self, state: str | None = None) -> list[dict]:
        with self._lock:
            providers = [json.loads(json.dumps(p)) for p in self._providers.values()]
        return [p for p in providers if state is None or p["State"] == state]

    def update(self, name_or_arn: str, spec: dict) -> dict:
        fixed = sorted(set(spec) & {"VpcConfig", "PermissionsConfig", "InstanceRequirements", "KmsKeyArn"})
        if fixed:
            raise InvalidParameterValueError(
                f"{', '.join(fixed)} cannot be changed after a capacity provider is created: UpdateCapacityProvider "
                "takes CapacityProviderScalingConfig, PropagateTags and TelemetryConfig.")
        name = _provider_name(name_or_arn)
        self.get(name)
        with self._lock:
            provider = self._providers[name]
            if "CapacityProviderScalingConfig" in spec:
                scaling = dict(spec["CapacityProviderScalingConfig"] or {})
                check_scaling(scaling)
                provider["CapacityProviderScalingConfig"] = {"ScalingMode": "Auto", **scaling}
            for key in ("PropagateTags", "TelemetryConfig"):
                if key in spec:
                    provider[key] = spec[key]
            provider["LastModified"] = _now()
            return json.loads(json.dumps(provider))

    def delete(self, name_or_arn: str) -> dict:
        provider = self.get(name_or_arn)
        with self._lock:
            self._providers.pop(_provider_name(name_or_arn), None)
        provider["State"] = "Deleting"
        return provider


def validate_capacity_provider_config(config, *, runtime: str | None, memory_mb, providers: CapacityProviders) -> dict:
    """A request's CapacityProviderConfig as AWS stores it, refusing what AWS refuses."""
    inner = config.get("LambdaManagedInstancesCapacityProviderConfig") if isinstance(config, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("CapacityProviderArn"), str):
        raise InvalidParameterValueError(
            'CapacityProviderConfig must be {"LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": '
            '"arn:aws:lambda:...:capacity-provider:NAME"}}.')
    arn = inner["CapacityProviderArn"]
    providers.get(arn)   # ResourceNotFoundException when it does not exist
    stored = {"CapacityProviderArn": arn,
              "ExecutionEnvironmentMemoryGiBPerVCpu": float(inner.get("ExecutionEnvironmentMemoryGiBPerVCpu", 2.0))}
    if inner.get("PerExecutionEnvironmentMaxConcurrency") is not None:
        stored["PerExecutionEnvironmentMaxConcurrency"] = int(inner["PerExecutionEnvironmentMaxConcurrency"])
    settings = ManagedSettings(arn, max_concurrency=stored.get("PerExecutionEnvironmentMaxConcurrency"),
                               memory_gib_per_vcpu=stored["ExecutionEnvironmentMemoryGiBPerVCpu"])
    validate_managed(runtime or "", int(memory_mb or 128), settings)
    return stored


def scaling_of(version) -> dict:
    return dict(getattr(version, SCALING, None) or DEFAULT_SCALING)


def managed_state(fn) -> str:
    if str(fn.version) == "$LATEST":
        return "ActiveNonInvocable"   # "Provisioning happens upon publishing"
    return (getattr(fn, MANAGED_STATE, None) or {}).get("State", "Pending")


def check_scaling(scaling: dict) -> None:
    mode = scaling.get("ScalingMode", "Auto")
    if mode not in ("Auto", "Manual"):
        raise InvalidParameterValueError("CapacityProviderScalingConfig.ScalingMode must be Auto or Manual.")
    if mode == "Auto" and scaling.get("ScalingPolicies"):
        raise InvalidParameterValueError("A scaling policy can't be specified when the scalingMode is set to Auto.")
    count = scaling.get("MaxVCpuCount")
    if count is not None and not (isinstance(count, int) and 2 <= count <= 15000):
        raise InvalidParameterValueError("CapacityProviderScalingConfig.MaxVCpuCount must be from 2 to 15000.")


def _provider_name(name_or_arn: str) -> str:
    return name_or_arn.rsplit(":capacity-provider:", 1)[-1]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
