"""The Lambda Managed Instances API on the lab endpoint (moto 5.2.5 has none of it).

What it answers and how it departs from AWS: see managed_instances.py, which keeps the functions'
settings and the capacity providers; this module is the HTTP side (botocore's 2025-11-30 paths).
"""

from __future__ import annotations

import json
import re
from typing import Callable
from urllib.parse import parse_qs, unquote

from ...errors import (FunctionVersionsPerCapacityProviderLimitExceededError, InvalidParameterValueError,
                       LambdaLabError, ResourceConflictError)
from .routing import json_object as _json, RoutedMiddleware
from .managed_instances import (CAPACITY_PROVIDER, MANAGED_STATE, SCALING, VERSIONS_PER_PROVIDER, CapacityProviders,
                                managed_config_of, managed_state, scaling_of, validate_capacity_provider_config)

__all__ = ["ManagedInstancesMiddleware"]

_JSON_ONLY = "Lambda Managed Instances functions always log in JSON: drop LoggingConfig.LogFormat or set it to JSON."

_V = "/2025-11-30"
_NAME = r"(?P<provider>[^/]+)"
_PROVIDER_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,140}$")
_ROUTES = [
    ("POST", re.compile(_V + r"/capacity-providers/?$"), "create_provider"),
    ("GET", re.compile(_V + r"/capacity-providers/?$"), "list_providers"),
    ("GET", re.compile(_V + "/capacity-providers/" + _NAME + r"/function-versions/?$"), "list_provider_versions"),
    ("GET", re.compile(_V + "/capacity-providers/" + _NAME + r"/?$"), "get_provider"),
    ("PUT", re.compile(_V + "/capacity-providers/" + _NAME + r"/?$"), "update_provider"),
    ("DELETE", re.compile(_V + "/capacity-providers/" + _NAME + r"/?$"), "delete_provider"),
    ("PUT", re.compile(_V + r"/functions/(?P<name>[^/]+)/function-scaling-config/?$"), "put_scaling"),
    ("GET", re.compile(_V + r"/functions/(?P<name>[^/]+)/function-scaling-config/?$"), "get_scaling"),
    # Function configuration: moto (and the middlewares below) answer, this one adds what it keeps.
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "create_function"),
    ("PUT", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/configuration/?$"), "update_configuration"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/versions/?$"), "publish_version"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)(/configuration)?/?$"), "describe"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/versions/?$"), "describe"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "describe"),
]


class ManagedInstancesMiddleware(RoutedMiddleware):
    """WSGI: the Managed Instances API, in front of the middlewares that keep a function's configuration."""

    routes = _ROUTES

    def __init__(self, app: Callable, *, bridge, account_id: str, region: str):
        super().__init__(app)
        self._bridge = bridge
        self._account_id, self._region = account_id, region
        self.providers = CapacityProviders(account_id=account_id, region=region)

    def reset(self) -> None:
        """A fresh account: no capacity provider."""
        self.providers = CapacityProviders(account_id=self._account_id, region=self._region)

    # -- capacity providers -----------------------------------------------------------------

    def create_provider(self, environ, match, body):
        return 202, {}, _dump({"CapacityProvider": self.providers.create(_json(body))})

    def get_provider(self, environ, match, body):
        return 200, {}, _dump({"CapacityProvider": self.providers.get(unquote(match["provider"]))})

    def list_providers(self, environ, match, body):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        providers = self.providers.list(query.get("State", [None])[0])
        page, marker = _page(providers, query)
        return 200, {}, _dump({"CapacityProviders": page, **({"NextMarker": marker} if marker else {})})

    def update_provider(self, environ, match, body):
        return 202, {}, _dump({"CapacityProvider": self.providers.update(unquote(match["provider"]), _json(body))})

    def delete_provider(self, environ, match, body):
        provider = self.providers.get(unquote(match["provider"]))
        using = self._versions_on(provider["CapacityProviderArn"], include_latest=True)
        if using:
            names = sorted({fn.function_name for fn in using})
            raise ResourceConflictError(
                f"Capacity provider {unquote(match['provider'])} is used by {len(names)} function(s) "
                f"({', '.join(names[:5])}): delete those functions first.")
        return 202, {}, _dump({"CapacityProvider": self.providers.delete(unquote(match["provider"]))})

    def list_provider_versions(self, environ, match, body):
        provider = self.providers.get(unquote(match["provider"]))
        versions = [{"FunctionArn": fn.function_arn, "State": managed_state(fn)}
                    for fn in self._versions_on(provider["CapacityProviderArn"], include_latest=False)]
        page, marker = _page(versions, parse_qs(environ.get("QUERY_STRING", "")))
        return 200, {}, _dump({"CapacityProviderArn": provider["CapacityProviderArn"], "FunctionVersions": page,
                               **({"NextMarker": marker} if marker else {})})

    def _versions_on(self, arn: str, *, include_latest: bool) -> list:
        found = []
        for fn in self._bridge.backend.list_functions("ALL"):
            config = managed_config_of(fn)
            if config and config["CapacityProviderArn"] == arn and (include_latest or str(fn.version) != "$LATEST"):
                found.append(fn)
        return found

    # -- FunctionScalingConfig --------------------------------------------------------------

    def _scaled_version(self, environ, match):
        qualifier = parse_qs(environ.get("QUERY_STRING", "")).get("Qualifier", [None])[0]
        name = unquote(match["name"])
        if qualifier is None and ":" in name:
            name, qualifier = name.rsplit(":", 1)
        if not qualifier or not re.fullmatch(r"\$LATEST\.PUBLISHED|[0-9]+", qualifier):
            raise InvalidParameterValueError(
                f"Qualifier {qualifier!r} is not valid here: give a published version number or $LATEST.PUBLISHED.")
        version = self._bridge.resolve(name, qualifier)
        if managed_config_of(version) is None:
            raise InvalidParameterValueError(
                "The function provided by the arn does not contain a capacity provider configuration: a scaling "
                "configuration applies only to Lambda Managed Instances functions.")
        return version

    def put_scaling(self, environ, match, body):
        version = self._scaled_version(environ, match)
        requested = {**scaling_of(version), **((_json(body).get("FunctionScalingConfig")) or {})}
        low, high = requested["MinExecutionEnvironments"], requested["MaxExecutionEnvironments"]
        if not all(isinstance(v, int) and 0 <= v <= 15000 for v in (low, high)) or low > high:
            raise InvalidParameterValueError(
                f"MinExecutionEnvironments ({low}) and MaxExecutionEnvironments ({high}) must be whole numbers from "
                "0 to 15000, the minimum no greater than the maximum.")
        setattr(version, SCALING, requested)
        self._bridge.scale_managed(version, low, high)
        return 202, {}, _dump({"FunctionState": managed_state(version)})

    def get_scaling(self, environ, match, body):
        version = self._scaled_version(environ, match)
        scaling = scaling_of(version)
        # The lab applies a scaling change before it answers, so Applied is what was Requested.
        return 200, {}, _dump({"FunctionArn": version.function_arn, "RequestedFunctionScalingConfig": scaling,
                               "AppliedFunctionScalingConfig": scaling})

    # -- functions on a capacity provider ---------------------------------------------------

    def create_function(self, environ, match, body):
        spec = _json(body)
        config = spec.pop("CapacityProviderConfig", None)
        publish_to = spec.pop("PublishTo", None)
        if publish_to not in (None, "LATEST_PUBLISHED"):
            raise InvalidParameterValueError("PublishTo must be LATEST_PUBLISHED.")
        if config is None:
            if publish_to:
                raise InvalidParameterValueError(
                    "PublishTo applies only to functions on a capacity provider (CapacityProviderConfig).")
            return self.passed_on(environ, body)
        stored = validate_capacity_provider_config(config, runtime=spec.get("Runtime"),
                                                   memory_mb=spec.get("MemorySize", 128), providers=self.providers)
        logging = dict(spec.get("LoggingConfig") or {})
        if logging.get("LogFormat", "JSON") != "JSON":
            raise InvalidParameterValueError(_JSON_ONLY)
        spec["LoggingConfig"] = {**logging, "LogFormat": "JSON"}
        publish = bool(spec.pop("Publish", False) or publish_to)
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status >= 300:
            return status, headers, payload
        name = str(spec.get("FunctionName", "")).rsplit(":", 1)[-1]
        setattr(self._bridge.resolve(name), CAPACITY_PROVIDER, stored)
        answer = self._decorate(json.loads(payload))
        if publish:
            version = self._publish(name)
            answer["Version"] = str(version.version)
        return status, headers, _dump(answer)

    def update_configuration(self, environ, match, body):
        spec = _json(body)
        name = unquote(match["name"])
        fn = self._bridge.resolve(name)
        current = managed_config_of(fn)
        stored = None
        if "CapacityProviderConfig" in spec:
            if current is None:
                raise InvalidParameterValueError("CapacityProviderConfig isn't supported for Lambda Default functions.")
            stored = validate_capacity_provider_config(
                spec.pop("CapacityProviderConfig"), runtime=spec.get("Runtime") or fn.run_time,
                memory_mb=spec.get("MemorySize", fn.memory_size), providers=self.providers)
        elif current is not None and ("MemorySize" in spec or "Runtime" in spec):
            validate_capacity_provider_config(
                {"LambdaManagedInstancesCapacityProviderConfig": current}, runtime=spec.get("Runtime") or fn.run_time,
                memory_mb=spec.get("MemorySize", fn.memory_size), providers=self.providers)
        if current is not None and (spec.get("LoggingConfig") or {}).get("LogFormat", "JSON") != "JSON":
            raise InvalidParameterValueError(_JSON_ONLY)
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status < 300:
            if stored is not None:
                setattr(self._bridge.resolve(name), CAPACITY_PROVIDER, stored)
            payload = _dump(self._decorate(json.loads(payload)))
        return status, headers, payload

    def publish_version(self, environ, match, body):
        spec = _json(body)
        publish_to = spec.pop("PublishTo", None)
        name = unquote(match["name"])
        fn = self._bridge.resolve(name)
        if managed_config_of(fn) is None:
            if publish_to:
                raise InvalidParameterValueError(
                    "PublishTo applies only to functions on a capacity provider (CapacityProviderConfig).")
            return self.passed_on(environ, body)
        arn = managed_config_of(fn)["CapacityProviderArn"]
        if len(self._versions_on(arn, include_latest=False)) >= VERSIONS_PER_PROVIDER:
            raise FunctionVersionsPerCapacityProviderLimitExceededError(
                f"A capacity provider runs at most {VERSIONS_PER_PROVIDER} function versions: delete old versions "
                "(DeleteFunction with a Qualifier) first.")
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status < 300:
            version = self._bridge.resolve(name, json.loads(payload)["Version"])
            self._bridge.start_managed(version)
            payload = _dump(self._decorate(json.loads(payload)))
        return status, headers, payload

    def _publish(self, name: str):
        version = self._bridge.backend.publish_version(name)
        self._bridge.start_managed(version)
        return version

    def describe(self, environ, match, body):
        status, headers, payload = self.passed_on(environ, body)
        if status >= 300 or not payload:
            return status, headers, payload
        answer = json.loads(payload)
        if "Configuration" in answer:
            self._decorate(answer["Configuration"])
        for configuration in answer.get("Functions", answer.get("Versions", [])):
            self._decorate(configuration)
        if "FunctionName" in answer and "Version" in answer:
            self._decorate(answer)
        return status, headers, _dump(answer)

    def _decorate(self, configuration: dict) -> dict:
        name, version = configuration.get("FunctionName"), configuration.get("Version")
        try:
            fn = self._bridge.resolve(name, None if version in (None, "$LATEST") else version)
        except LambdaLabError:
            return configuration
        config = managed_config_of(fn)
        if config is None:
            return configuration
        configuration["CapacityProviderConfig"] = {"LambdaManagedInstancesCapacityProviderConfig": dict(config)}
        configuration.pop("SnapStart", None)
        state = managed_state(fn)
        configuration["State"] = state
        reason = getattr(fn, MANAGED_STATE, None) or {}
        for key in ("StateReason", "StateReasonCode"):
            if reason.get(key):
                configuration[key] = reason[key]
        return configuration


def _page(items: list, query: dict) -> tuple[list, str | None]:
    start = int(query.get("Marker", ["0"])[0] or 0)
    size = int(query.get("MaxItems", ["50"])[0] or 50)
    if not 1 <= size <= 50:
        raise InvalidParameterValueError(f"MaxItems must be from 1 to 50 (got {size}).")
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _dump(value: dict) -> bytes:
    return json.dumps(value).encode()
