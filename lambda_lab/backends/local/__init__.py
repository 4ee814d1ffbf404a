"""The local backend: an embedded moto server joined to the local Lambda service."""

from .endpoint import ACCOUNT_ID, DEFAULT_ROLE_NAME, LocalEndpoint

__all__ = ["LocalEndpoint", "ACCOUNT_ID", "DEFAULT_ROLE_NAME"]
