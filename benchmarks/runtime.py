"""Runtime benchmark: what lambda_lab's orchestration costs, measured side by side in one run.

    make bench            (or: .venv/bin/python benchmarks/runtime.py [--runs N])

Rows:
- cold start of a trivial handler, spawn to first response, vs a bare
  `python -m awslambdaric app.handler` process reaching its first /next request (target <= 1.1x);
- warm invocation p50/p99 vs a direct in-process call and vs python-lambda-local, which starts a
  process per call (target: warm p50 <= 3 ms).
Timings are wall-clock medians of interleaved runs; the machine is shared, so compare ratios.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from lambda_lab.runtime import FunctionConfig, LambdaService
from lambda_lab.runtime.api import RuntimeApiServer

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'Hello ' + event.get('name', 'World')}\n"
EVENT = b'{"name": "Ada"}'


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


class _FirstNext:
    """A Runtime API that only notes when the runtime first asks for an event."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()

    def next_invocation(self):
        self.arrived.set()
        self.release.wait()
        return None

    def invocation_response(self, request_id, body):
        return False

    def invocation_error(self, request_id, body, error_type):
        return False

    def init_error(self, body, error_type):
        self.arrived.set()


def bare_awslambdaric_start(code_dir: Path) -> float:
    """ms from spawning `python -m awslambdaric app.handler` to its first /next request."""
    probe = _FirstNext()
    server = RuntimeApiServer(probe)
    env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": server.address, "PYTHONPATH": str(code_dir),
           "_HANDLER": "app.handler", "LAMBDA_TASK_ROOT": str(code_dir)}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "awslambdaric", "app.handler"], cwd=code_dir, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe.arrived.wait(30)
    elapsed = (time.perf_counter() - started) * 1000
    process.kill()
    process.wait()
    probe.release.set()
    server.close()
    return elapsed


def lab_cold_start(service: LambdaService, code: bytes, index: int) -> float:
    """ms from asking for a new function's first invocation to its response (spawn + INIT + invoke)."""
    name = f"cold{index}"
    service.create_function(FunctionConfig(name, code=code, handler="app.handler"))
    started = time.perf_counter()
    result = service.invoke(name, EVENT)
    elapsed = (time.perf_counter() - started) * 1000
    assert result.cold and result.error is None, result.logs
    service.delete_function(name)
    return elapsed


def timed(call, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="cold starts per side (default 15)")
    parser.add_argument("--warm", type=int, default=1000, help="warm invocations (default 1000)")
    args = parser.parse_args()

    code = code_zip()
    namespace: dict = {}
    exec(HANDLER, namespace)
    handler = namespace["handler"]

    with LambdaService(concurrency_limit=50) as service, tempfile.TemporaryDirectory() as tmp:
        code_dir = Path(tmp)
        (code_dir / "app.py").write_text(HANDLER)
        bare, ours = [], []
        print(f"cold starts: {args.runs} each, interleaved ...", file=sys.stderr)
        for i in range(args.runs):
            bare.append(bare_awslambdaric_start(code_dir))
            ours.append(lab_cold_start(service, code, i))

        service.create_function(FunctionConfig("warm", code=code, handler="app.handler"))
        service.invoke("warm", EVENT)
        print(f"warm invocations: {args.warm} ...", file=sys.stderr)
        warm = timed(lambda: service.invoke("warm", EVENT), args.warm)
        direct = timed(lambda: handler({"name": "Ada"}, None), args.warm)

        from lambda_local.context import Context
        from lambda_local.main import call
        logging.getLogger().setLevel(logging.ERROR)
        local_runs = max(20, args.warm // 20)
        print(f"python-lambda-local calls: {local_runs} ...", file=sys.stderr)
        pll = timed(lambda: call(handler, {"name": "Ada"}, Context(3)), local_runs)

    rows = [
        ("cold start p50 (spawn to first response)", statistics.median(ours),
         "bare awslambdaric to first /next", statistics.median(bare), "<= 1.1x"),
        ("warm invoke p50", statistics.median(warm), "direct in-process call", statistics.median(direct), "p50 <= 3 ms"),
        ("warm invoke p99", percentile(warm, 99), "direct in-process call", percentile(direct, 99), ""),
        ("warm invoke p50", statistics.median(warm), "python-lambda-local call", statistics.median(pll), ""),
        ("warm invoke p99", percentile(warm, 99), "python-lambda-local call", percentile(pll, 99), ""),
    ]
    print(f"\nlambda_lab runtime benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    header = f"| {'lambda_lab':<42} | {'ms':>8} | {'baseline':<32} | {'ms':>8} | {'ratio':>9} | {'target':<11} |"
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    for ours_name, ours_ms, base_name, base_ms, target in rows:
        ratio = ours_ms / base_ms if base_ms else float("inf")
        print(f"| {ours_name:<42} | {ours_ms:>8.3f} | {base_name:<32} | {base_ms:>8.3f} | {ratio:>8.2f}x | {target:<11} |")


if __name__ == "__main__":
    main()
