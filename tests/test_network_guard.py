"""The guard that keeps the suite on loopback works, and local mode passes under it."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import NonLoopbackConnection, python_function


def test_the_guard_refuses_a_non_loopback_address():
    with socket.socket() as s, pytest.raises(NonLoopbackConnection):
        s.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed


def test_a_handlers_sdk_call_without_a_lab_endpoint_goes_nowhere_but_loopback(service):
    # The runtime alone points handlers at a closed loopback port: an SDK call fails at once
    # instead of reaching AWS.
    service.create_function(python_function("caller", """
    import boto3, botocore.config
    def handler(e, c):
        client = boto3.client("s3", config=botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=2))
        try:
            client.list_buckets()
        except Exception as exc:
            return type(exc).__name__ + ": " + str(exc)
    """, timeout_s=10))
    answer = service.invoke("caller").json()
    assert "127.0.0.1:9" in answer and "Could not connect" in answer
