"""A function's ``LoggingConfig`` (log format, log levels, log group), which moto 5.2.5 drops.

(Its ``TenancyConfig`` is kept the same way, at CreateFunction: see tenancy.py; and its ``SnapStart``,
whose snapshot PublishVersion takes here: see snapstart.py.)

AWS: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
Every function has one; it defaults to ``{"LogFormat": "Text", "LogGroup": "/aws/lambda/<name>"}``.
With ``LogFormat: JSON`` the runtime writes application logs as JSON objects (awslambdaric does it
when ``AWS_LAMBDA_LOG_FORMAT=JSON``), filtered at ``ApplicationLogLevel``, and Lambda writes its
own lines (``START``, ``REPORT``...) as ``platform.*`` JSON events; both levels default to INFO.
Log levels need the JSON format.

This middleware validates the setting at CreateFunction and UpdateFunctionConfiguration, keeps it
on moto's function object (so a published version keeps the setting it was published with, as on
AWS) and adds it to every answer that describes a function.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from ...errors import InvalidParameterValueError, LambdaLabError
from .bridge import LOGGING_CONFIG as ATTRIBUTE, default_logging_config, logging_config_of
from .routing import json_object as _json, RoutedMiddleware
from .snapstart import SNAP_START, describe_snap_start, validate_snap_start
from .tenancy import TENANCY, tenancy_of, validate_tenancy_config

__all__ = ["LoggingConfigMiddleware", "validate_logging_config"]

_FORMATS = ("Text", "JSON")
_APPLICATION_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_SYSTEM_LEVELS = ("DEBUG", "INFO", "WARN")
_GROUP = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
_ROUTES = [
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "create_function"),
    ("PUT", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/configuration/?$"), "update_configuration"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)(/configuration)?/?$"), "describe"),
    ("POST", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/versions/?$"), "publish_version"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/(?P<name>[^/]+)/versions/?$"), "describe_list"),
    ("GET", re.compile(r"/(?P<api>[0-9-]+)/functions/?$"), "describe_list"),
]


def validate_logging_config(config, function_name: str, current: dict | None = None) -> dict:
    """The setting as AWS stores it, from a request's (partial) ``LoggingConfig``."""
    if not isinstance(config, dict):
        raise InvalidParameterValueError(
            'LoggingConfig must be an object such as {"LogFormat": "JSON", "ApplicationLogLevel": "INFO"}.')
    unknown = set(config) - {"LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup"}
    if unknown:
        raise InvalidParameterValueError(f"LoggingConfig has unknown keys {sorted(unknown)}: use LogFormat, "
                                         "ApplicationLogLevel, SystemLogLevel and LogGroup.")
    merged = {**(current or default_logging_config(function_name)), **config}
    log_format = merged.get("LogFormat", "Text")
    if log_format not in _FORMATS:
        raise InvalidParameterValueError(f"LoggingConfig.LogFormat must be 'Text' or 'JSON'; got {log_format!r}.")
    group = merged.get("LogGroup") or f"/aws/lambda/{function_name}"
    if not isinstance(group, str) or not _GROUP.match(group):
        raise InvalidParameterValueError(
            f"LoggingConfig.LogGroup {group!r} is not a valid log group name: use 1-512 letters, digits and "
            "the characters . - _ / #.")
    if log_format == "Text":
        given = [k for k in ("ApplicationLogLevel", "SystemLogLevel") if config.get(k)]
        if given:
            # AWS refuses log levels on plain-text logs: level filtering reads the JSON "level" field.
            raise InvalidParameterValueError(
                f"{' and '.join(given)} can be set only when LogFormat is JSON: add \"LogFormat\": \"JSON\" to "
                "LoggingConfig, or drop the level.")
        return {"LogFormat": "Text", "LogGroup": group}
    application = merged.get("ApplicationLogLevel") or "INFO"
    system = merged.get("SystemLogLevel") or "INFO"
    if application not in _APPLICATION_LEVELS:
        raise InvalidParameterValueError(f"LoggingConfig.ApplicationLogLevel must be one of "
                                         f"{', '.join(_APPLICATION_LEVELS)}; got {application!r}.")
    if system not in _SYSTEM_LEVELS:
        raise InvalidParameterValueError(f"LoggingConfig.SystemLogLevel must be one of {', '.join(_SYSTEM_LEVELS)}; "
                                         f"got {system!r}.")
    return {"LogFormat": "JSON", "ApplicationLogLevel": application, "SystemLogLevel": system, "LogGroup": group}


class LoggingConfigMiddleware(RoutedMiddleware):
    routes = _ROUTES

    def __init__(self, app: Callable, *, bridge):
        super().__init__(app)
        self._bridge = bridge

    def _decorate(self, configuration: dict) -> dict:
        """Add LoggingConfig to one FunctionConfiguration document moto wrote."""
        name, version = configuration.get("FunctionName"), configuration.get("Version")
        if not name:
            return configuration
        try:
            fn = self._bridge.resolve(name, None if version in (None, "$LATEST") else version)
        except LambdaLabError:
            return configuration
        configuration["LoggingConfig"] = logging_config_of(fn)
        if tenancy_of(fn) is not None:
            configuration["TenancyConfig"] = tenancy_of(fn)
        describe_snap_start(configuration, fn)
        return configuration

    def _answer(self, payload: bytes) -> bytes:
        answer = json.loads(payload)
        if "Configuration" in answer:        # GetFunction
            self._decorate(answer["Configuration"])
        elif "Functions" in answer or "Versions" in answer:
            for configuration in answer.get("Functions", answer.get("Versions", [])):
                self._decorate(configuration)
        else:
            self._decorate(answer)
        return json.dumps(answer).encode()

    def create_function(self, environ: dict, match: re.Match, body: bytes):
        spec = _json(body)
        name = str(spec.get("FunctionName", "")).rsplit(":", 1)[-1]
        config = validate_logging_config(spec.pop("LoggingConfig", None) or {}, name)
        tenancy = validate_tenancy_config(spec.pop("TenancyConfig", None), spec)
        snap_start = validate_snap_start(spec.pop("SnapStart", None) or {"ApplyOn": "None"}, runtime=spec.get("Runtime"),
                                         ephemeral_mb=(spec.get("EphemeralStorage") or {}).get("Size"))
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status < 300:
            created = self._bridge.resolve(name)
            setattr(created, ATTRIBUTE, config)
            setattr(created, TENANCY, tenancy)
            setattr(created, SNAP_START, snap_start)
            payload = self._answer(payload)
        return status, headers, payload

    def update_configuration(self, environ: dict, match: re.Match, body: bytes):
        spec = _json(body)
        changed = spec.pop("LoggingConfig", None)
        config = snap_start = None
        if changed is not None:
            fn = self._bridge.resolve(match["name"])
            config = validate_logging_config(changed, fn.function_name, current=logging_config_of(fn))
        if "SnapStart" in spec or "Runtime" in spec or "EphemeralStorage" in spec:
            fn = self._bridge.resolve(match["name"])
            if tenancy_of(fn) is not None and (spec.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions":
                raise InvalidParameterValueError(
                    "Tenant isolation cannot be used with SnapStart: remove SnapStart or TenancyConfig.")
            current = getattr(fn, SNAP_START, None) or {"ApplyOn": "None"}
            snap_start = validate_snap_start(spec.pop("SnapStart", None) or current, runtime=spec.get("Runtime") or fn.run_time,
                                             ephemeral_mb=(spec.get("EphemeralStorage") or {}).get("Size", fn.ephemeral_storage))
        status, headers, payload = self.passed_on(environ, json.dumps(spec).encode())
        if status < 300:
            if config is not None:
                setattr(self._bridge.resolve(match["name"]), ATTRIBUTE, config)
            if snap_start is not None:
                setattr(self._bridge.resolve(match["name"]), SNAP_START, snap_start)
            payload = self._answer(payload)
        return status, headers, payload

    def describe(self, environ: dict, match: re.Match, body: bytes):
        status, headers, payload = self.passed_on(environ, body)
        return status, headers, (self._answer(payload) if status < 300 and payload else payload)

    describe_list = describe

    def publish_version(self, environ: dict, match: re.Match, body: bytes):
        """PublishVersion; with SnapStart, INIT runs and the snapshot is taken before the answer."""
        status, headers, payload = self.passed_on(environ, body)
        if status < 300 and payload:
            version = json.loads(payload).get("Version")
            fn = self._bridge.resolve(match["name"], version)
            self._bridge.snapshot(fn)
            payload = self._answer(payload)
        return status, headers, payload
