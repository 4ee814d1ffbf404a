"""A `lambda-lab serve` process for tests that talk to the endpoint from outside."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    """(url, environment for the AWS CLI) of a `lambda-lab serve` subprocess."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "lambda_lab.cli", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        banner.append(line)
        if "Stop with Ctrl+C" in line or not line:
            break
    url = f"http://127.0.0.1:{port}"
    assert any(url in line for line in banner), "".join(banner)
    env = {**os.environ, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_PROFILE", None)
    yield url, env, "".join(banner)
    process.terminate()
    process.wait(timeout=20)
