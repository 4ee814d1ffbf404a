"""The benchmark scripts run (tiny sizes, no timing asserted: timings belong in the benchmarks)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.parametrize("script, args, heading", [
    ("runtime.py", ["--runs", "1", "--warm", "5"], "lambda_lab runtime benchmark"),
    ("endpoint.py", ["--calls", "5"], "lambda_lab endpoint benchmark"),
    ("triggers.py", ["--messages", "20", "--requests", "5"], "lambda_lab triggers benchmark"),
    ("durable.py", ["--runs", "1", "--steps", "3"], "lambda_lab durable functions benchmark"),
    ("snapstart.py", ["--runs", "2"], "lambda_lab SnapStart benchmark"),
    ("managed.py", ["--workers", "2", "--bursts", "1", "--warm", "2"], "lambda_lab Managed Instances benchmark"),
    ("experiments.py", ["--runs", "1", "--rate", "1", "--minutes", "1"], "lambda_lab experiments benchmark"),
    pytest.param("streaming.py", ["--runs", "1", "--megabytes", "7"], "lambda_lab response streaming benchmark",
                 marks=pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")),
])
def test_the_benchmark_prints_its_table(script, args, heading):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert heading in done.stdout and done.stdout.count("|") >= 20
