"""The local backends: an endpoint embedded in this process, or one started by `lambda-lab serve`."""

from __future__ import annotations

import os
import warnings

import boto3

from ...clock import Clock, SystemClock
from ...errors import ServiceClosedError
from .http_front import api_url
from .endpoint import ACCOUNT_ID, DEFAULT_ROLE_NAME, LOCAL_CREDENTIALS, LocalEndpoint, create_default_role

__all__ = ["EmbeddedBackend", "RemoteLocalBackend"]

# While a local lab is open, plain `boto3.client("s3")` in the notebook talks to it too, and
# nothing the notebook runs can reach a real AWS endpoint by accident.
_PINNED = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
           "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")


class _LocalBase:
    kind = "local"

    def __init__(self, url: str, region: str, clock: Clock, pin_environment: bool):
        self.endpoint_url = url
        self.region = region
        self.clock = clock
        self._closed = False
        self._saved_environment: dict[str, str | None] | None = None
        if pin_environment:
            self._pin_environment()

    def session(self) -> boto3.Session:
        return boto3.Session(region_name=self.region, **LOCAL_CREDENTIALS)

    def client(self, service: str, **kwargs):
        if self._closed:
            raise ServiceClosedError("This lab is closed; start a new one with Lab.local().")
        return self.session().client(service, endpoint_url=self.endpoint_url, **kwargs)

    def execution_role_arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{DEFAULT_ROLE_NAME}"

    def layer_arn(self, arn: str) -> str:
        from ...public_layers import is_public_powertools, lab_layer_for
        return lab_layer_for(self.client("lambda"), arn) if is_public_powertools(arn) else arn

    def wait_for_role(self, create) -> None:
        create()  # the local role exists from the start

    def api_url(self, api_id: str, stage: str | None = None) -> str:
        return api_url(self.endpoint_url, api_id, stage)

    def capacity_provider_placement(self, subnets: list[str], operator_role: str | None) -> tuple[list[str], str]:
        # No instance, VPC or role is made locally: names that say so stand in for them.
        return subnets or ["subnet-lab"], operator_role or f"arn:aws:iam::{ACCOUNT_ID}:role/lab-capacity-provider-operator"

    def tags(self) -> dict[str, str]:
        return {}

    def check_cost(self, usd: float, what: str, *, confirm: bool = False) -> None:
        pass  # local runs cost nothing

    def direct_invoker(self):
        """A way to invoke without Lambda's HTTP API in between, or None (the API then serves every call).

        Returns ``invoke(name, payload, qualifier) -> InvocationResult``, raising what Invoke raises.
        """
        return None

    def teardown(self) -> list[str]:
        deleted = []
        lam = self.client("lambda")
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                lam.delete_function(FunctionName=fn["FunctionName"])
                deleted.append(fn["FunctionArn"])
        for provider in lam.list_capacity_providers()["CapacityProviders"]:   # once no function uses them
            lam.delete_capacity_provider(CapacityProviderName=provider["CapacityProviderArn"])
            deleted.append(provider["CapacityProviderArn"])
        return deleted

    def _pin_environment(self) -> None:
        self._saved_environment = {key: os.environ.get(key) for key in _PINNED}
        for key in _PINNED:
            os.environ.pop(key, None)
        os.environ.update({"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_DEFAULT_REGION": self.region,
                           "AWS_REGION": self.region, "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
                           "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"]})
        boto3.DEFAULT_SESSION = None  # the next boto3.client() reads the new environment

    def _restore_environment(self) -> None:
        if self._saved_environment is None:
            return
        for key, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_environment = None
        boto3.DEFAULT_SESSION = None

    def close(self) -> None:
        self._closed = True
        self._restore_environment()


class EmbeddedBackend(_LocalBase):
    """moto and the Lambda service running inside this process (the usual notebook setup)."""

    _current: "EmbeddedBackend | None" = None

    def __init__(self, *, region: str = "us-east-1", concurrency_limit: int = 10, keep_alive_s: float = 600.0,
                 clock: Clock | None = None, port: int = 0, pin_environment: bool = True):
        previous = EmbeddedBackend._current
        if previous is not None and not previous._closed:
            # moto's state is per process: a cell that opens a lab, run twice, replaces the old one.
            warnings.warn("A local lab was already running in this kernel; it has been closed "
                          "(one local lab runs per kernel).", stacklevel=4)
            previous.close()
        self.endpoint = LocalEndpoint(region=region, concurrency_limit=concurrency_limit,
                                      keep_alive_s=keep_alive_s, clock=clock, port=port)
        super().__init__(self.endpoint.url, region, self.endpoint.clock, pin_environment)
        EmbeddedBackend._current = self

    def reset(self) -> list[str]:
        return self.endpoint.reset()

    def direct_invoker(self):
        # The service is in this process: a simulation's thousands of calls go straight to it,
        # through the same bridge (throttling, recursion and tenant checks, CloudWatch) as Invoke.
        bridge = self.endpoint.bridge

        def invoke(name: str, payload: bytes, qualifier: str | None = None):
            return bridge.invoke(bridge.resolve(name, qualifier), payload)
        return invoke

    def close(self) -> None:
        super().close()
        self.endpoint.close()
        if EmbeddedBackend._current is self:
            EmbeddedBackend._current = None


class RemoteLocalBackend(_LocalBase):
    """A local endpoint another process serves (`lambda-lab serve`): shared by notebooks or the CLI."""

    def __init__(self, url: str, *, region: str = "us-east-1", pin_environment: bool = True):
        super().__init__(url.rstrip("/"), region, SystemClock(), pin_environment)

    def reset(self) -> list[str]:
        """Every function deleted (their environments end), then moto's own reset, then the default role."""
        import urllib.request

        deleted = self.teardown()
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST"),
                               timeout=30).close()
        create_default_role(self.client("iam"))
        return deleted
