"""fn.stream(): the lab's Function reads a streamed response chunk by chunk (see backends/test_response_streaming.py)."""

from __future__ import annotations

import shutil

import pytest

from lambda_lab import Lab, LambdaLabError
from tests.backends.test_response_streaming import STREAMING

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def test_the_lab_s_function_streams_its_chunks():
    with Lab.local() as lab:
        fn = lab.deploy("streams", code=STREAMING, handler="index.handler", runtime="nodejs22.x", timeout_s=10)
        assert list(fn.stream({})) == [b"part 0\n", b"part 1\n", b"part 2\n"]
        got = []
        with pytest.raises(LambdaLabError, match="failed while streaming: Error: broke mid-stream"):
            for chunk in fn.stream({"fail": True}):
                got.append(chunk)
        assert got == [b"part 0\n", b"part 1\n", b"part 2\n"]
