"""What the lab needs from wherever its AWS lives. Local and real-account backends implement it."""

from __future__ import annotations

from typing import Protocol

import boto3

from ..clock import Clock

__all__ = ["Backend"]


class Backend(Protocol):
    kind: str                  # "local" or "aws"
    region: str
    endpoint_url: str | None   # None: AWS's own endpoints
    clock: Clock

    def session(self) -> boto3.Session: ...

    def client(self, service: str, **kwargs): ...

    def execution_role_arn(self) -> str:
        """The role new functions run as (created on first use where needed)."""

    def layer_arn(self, arn: str) -> str:
        """The layer version a function on this backend uses for ``arn`` (a public layer built locally)."""

    def wait_for_role(self, create) -> None:
        """Run ``create()``, retrying while a new execution role propagates (real accounts only)."""

    def api_url(self, api_id: str, stage: str | None = None) -> str:
        """Where an API Gateway API answers (a REST API's ``stage``; none for an HTTP API's $default)."""

    def capacity_provider_placement(self, subnets: list[str], operator_role: str | None) -> tuple[list[str], str]:
        """The subnets and operator role a new capacity provider gets (stand-ins locally; on a real
        account the caller's, or an error saying what to give)."""

    def tags(self) -> dict[str, str]:
        """Tags for everything the lab creates (empty locally)."""

    def check_cost(self, usd: float, what: str, *, confirm: bool = False) -> None:
        """Refuse work estimated to cost more than the backend allows, unless confirmed."""

    def teardown(self) -> list[str]:
        """Delete what the lab created; returns what was deleted. Idempotent."""

    def reset(self) -> list[str]:
        """Start over with the lab open: everything it holds (locally) or created (AWS) deleted."""

    def close(self) -> None: ...
