"""Managed Instances benchmark: one environment with many workers against many standard environments.

    .venv/bin/python benchmarks/managed.py [--workers N] [--bursts N] [--warm N]

The same handler (its INIT imports boto3 and builds a client; each request waits 50 ms, as a call
to a database would) runs two ways on the Lambda service itself (no HTTP in front), side by side:

- standard Lambda: one request per environment, so a burst of N requests needs N environments
  (N cold starts the first time);
- Managed Instances: a published version with one environment of N workers (PublishVersion starts
  it; no cold start on the invoke path).

Reported: what PublishVersion costs against one plain cold start, the first and later bursts of N
concurrent requests, a warm invoke, and the memory the N workers hold (PSS: shared pages counted
once, which is what the machine pays).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import threading
import time
import zipfile

import psutil

from lambda_lab.clock import ManualClock
from lambda_lab.runtime import FunctionConfig, LambdaService
from lambda_lab.runtime.managed import ManagedSettings

HANDLER = """
import time
import boto3

S3 = boto3.client("s3", region_name="us-east-1")   # what a real INIT spends its time on

def handler(event, context):
    time.sleep(event.get("wait", 0))
    return {"ok": True}
"""
PROVIDER = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:bench"


def burst(service: LambdaService, name: str, qualifier: str, count: int, wait: float) -> float:
    """Wall time (ms) for ``count`` requests fired at once; every one must succeed."""
    barrier, failures = threading.Barrier(count + 1), []

    def call() -> None:
        barrier.wait()
        result = service.invoke(name, f'{{"wait": {wait}}}'.encode(), qualifier)
        if result.error is not None:
            failures.append(result.error)

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]
    return (time.perf_counter() - started) * 1000


def pss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_full_info().pss
        except psutil.Error:
            pass
    return total / (1024 * 1024)


def worker_pids() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=16, help="concurrent requests (AWS's default per vCPU: 16)")
    parser.add_argument("--bursts", type=int, default=5, help="warm bursts of each kind (default 5)")
    parser.add_argument("--warm", type=int, default=50, help="sequential warm invokes of each kind (default 50)")
    args = parser.parse_args()
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", HANDLER)
    code, n = package.getvalue(), args.workers
    with LambdaService(clock=ManualClock(), concurrency_limit=n + 4) as service:
        service.create_function(FunctionConfig("standard", code=code, handler="app.handler", runtime="python3.13",
                                               memory_mb=2048, timeout_s=30))
        started = time.perf_counter()
        cold = service.invoke("standard", b"{}")
        cold_ms = (time.perf_counter() - started) * 1000
        assert cold.cold and cold.error is None
        service.delete_function("standard")
        service.create_function(FunctionConfig("standard", code=code, handler="app.handler", runtime="python3.13",
                                               memory_mb=2048, timeout_s=30))
        before = worker_pids()
        first_standard = burst(service, "standard", "$LATEST", n, 0.05)
        standard_pss = pss_mb(worker_pids() - before)
        standard_envs = len(service.environments("standard"))
        warm_standard = statistics.median(burst(service, "standard", "$LATEST", n, 0.05) for _ in range(args.bursts))
        one_standard = statistics.median(_timed(service, "standard", "$LATEST") for _ in range(args.warm))

        settings = ManagedSettings(PROVIDER, max_concurrency=n, min_environments=1, max_environments=1)
        service.create_function(FunctionConfig("managed", code=code, handler="app.handler", runtime="python3.13",
                                               memory_mb=2048, timeout_s=30, managed=settings))
        before = worker_pids()
        started = time.perf_counter()
        version = service.publish_version("managed")
        publish_ms = (time.perf_counter() - started) * 1000
        first_managed = burst(service, "managed", version, n, 0.05)
        managed_pss = pss_mb(worker_pids() - before)
        managed_envs = len(service.managed_pool("managed", version).environments)
        warm_managed = statistics.median(burst(service, "managed", version, n, 0.05) for _ in range(args.bursts))
        one_managed = statistics.median(_timed(service, "managed", version) for _ in range(args.warm))

    print(f"\nlambda_lab Managed Instances benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{n} concurrent requests of 50 ms; standard: {standard_envs} environments, managed: "
          f"{managed_envs} environment of {n} workers)\n")
    rows = [
        (f"PublishVersion, 1 environment x {n} workers", publish_ms, "one plain cold start", cold_ms, "ms"),
        (f"first burst of {n}", first_managed, f"{n} cold starts", first_standard, "ms"),
        (f"warm burst of {n} (p50)", warm_managed, "warm burst (p50)", warm_standard, "ms"),
        ("warm invoke, one at a time (p50)", one_managed, "warm invoke (p50)", one_standard, "ms"),
        (f"memory of the {n} workers (PSS)", managed_pss, f"{n} environments", standard_pss, "MB"),
    ]
    header = f"| {'Managed Instances':<42} | {'value':>9} | {'standard Lambda':<20} | {'value':>9} | {'ratio':>7} |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for name, value, against, base, unit in rows:
        print(f"| {name:<42} | {value:>6.1f} {unit:<2} | {against:<20} | {base:>6.1f} {unit:<2} | "
              f"{value / base:>6.2f}x |")


def _timed(service: LambdaService, name: str, qualifier: str) -> float:
    started = time.perf_counter()
    result = service.invoke(name, b"{}", qualifier)
    assert result.error is None, result.payload
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
