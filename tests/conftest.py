"""Shared test helpers: build zips in memory, a Lambda service with a clock you can move."""

from __future__ import annotations

import io
import textwrap
import zipfile

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


def python_function(name: str, source: str, *, handler: str = "app.handler", **config) -> FunctionConfig:
    """A Python function whose ``app.py`` is ``source``."""
    return FunctionConfig(name=name, code=make_zip({"app.py": source}), handler=handler, **config)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_764_000_000.0)


@pytest.fixture
def service(clock):
    with LambdaService(clock=clock, concurrency_limit=10) as svc:
        yield svc
