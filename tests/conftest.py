"""Shared test helpers: build zips in memory, a Lambda service with a clock you can move."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket as _socket
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from lambda_lab.clock import ManualClock
from lambda_lab.runtime import FunctionConfig, LambdaService


def make_zip(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    """A zip of ``{path: source}``; ``modes`` sets Unix permissions (e.g. an executable bootstrap)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644) | 0o100000) << 16
            data = content if isinstance(content, bytes) else textwrap.dedent(content).lstrip("\n")
            archive.writestr(info, data)
    return buffer.getvalue()


def eventually(predicate, timeout_s: float = 30.0, poll_s: float = 0.05):
    """``predicate()``'s first truthy value, polled until ``timeout_s``; AssertionError after that."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError("timed out")


def python_function(name: str, source: str, *, handler: str = "app.handler", **config) -> FunctionConfig:
    """A Python function whose ``app.py`` is ``source``."""
    return FunctionConfig(name=name, code=make_zip({"app.py": source}), handler=handler, **config)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


@pytest.fixture
def tiny_wheel(tmp_path) -> Path:
    """A pure-Python wheel with one module and one console script, written by hand.

    Written rather than built with `pip wheel` so the test needs neither the network nor the
    `wheel` package that older setuptools need for bdist_wheel.
    """
    info = "tinydep-1.0.dist-info"
    files = {
        "tinydep.py": b"GREETING = 'hello from tinydep'\ndef main():\n    print(GREETING)\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": b"[console_scripts]\ntinydep = tinydep:main\n",
    }
    record = "\n".join([*(_record_line(n, d) for n, d in files.items()), f"{info}/RECORD,,"]) + "\n"
    wheel = tmp_path / "wheels" / "tinydep-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in {**files, f"{info}/RECORD": record.encode()}.items():
            archive.writestr(name, data)
    return wheel


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_764_000_000.0)


#: What a Lambda worker's command line ends with: awslambdaric itself or behind the lab's gate or
#: SnapStart boot, a custom runtime's bootstrap, the Node.js bootstrap.
WORKER_COMMANDS = ("awslambdaric", "gate_boot.py", "snapstart_boot.py", "managed_boot.py", "bootstrap", "bootstrap.js")


def worker_processes() -> list:
    """Live child processes of this test process that are Lambda workers."""
    import psutil
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and any(
                    part.endswith(WORKER_COMMANDS) for part in child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


@pytest.fixture
def service(clock):
    with LambdaService(clock=clock, concurrency_limit=10) as svc:
        yield svc
    # Whatever the test's handlers did, closing the service leaves no worker behind.
    deadline = time.monotonic() + 5
    while worker_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker_processes() == [], "a worker process outlived LambdaService.close()"


# -- local mode never leaves this machine ------------------------------------------------------
# Every test (except those marked real_aws) runs with connections refused to anything but
# loopback and Unix sockets, so a code path that would reach a real AWS endpoint fails loudly.

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):
        return True  # a Unix socket path
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: would need DNS, and leads off this machine


class NonLoopbackConnection(AssertionError):
    pass


def _guarded_connect(self, address):
    if not _is_local(address):
        raise NonLoopbackConnection(f"local mode tried to connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise NonLoopbackConnection(f"local mode tried to connect to {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(request, monkeypatch):
    if request.node.get_closest_marker("real_aws"):
        yield
        return
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield


# -- a `lambda-lab serve` process, for tests that talk to the endpoint from outside --------------


def free_port() -> int:
    with _socket.socket() as s:
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
