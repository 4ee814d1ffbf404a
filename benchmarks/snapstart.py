"""SnapStart benchmark: a restore against a plain cold start of the same handler, side by side.

    .venv/bin/python benchmarks/snapstart.py [--runs N]

One Python 3.12 function whose INIT imports boto3 and builds a client (a typical, heavy-ish INIT)
is published with SnapStart. Each round forces one cold start of $LATEST (an ordinary INIT) and one
of the published version (a restore of its snapshot), alternating, on the Lambda service itself
(no HTTP in front). The target is a restore of at most 10 ms p50 on the course's reference machine.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zipfile

from lambda_lab.clock import ManualClock
from lambda_lab.runtime import FunctionConfig, LambdaService

HANDLER = """
import boto3
from snapshot_restore_py import register_after_restore

S3 = boto3.client("s3", region_name="us-east-1")   # what a real INIT spends its time on

@register_after_restore
def after_restore():
    pass

def handler(event, context):
    return {"ok": True}
"""
TARGET_RESTORE_MS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="cold starts of each kind (default 15)")
    args = parser.parse_args()
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", HANDLER)
    clock = ManualClock()
    with LambdaService(clock=clock) as service:
        service.create_function(FunctionConfig("snap", code=package.getvalue(), handler="app.handler",
                                               runtime="python3.12", memory_mb=1024, timeout_s=30, snap_start=True))
        published = time.perf_counter()
        version = service.publish_version("snap")
        publish_ms = (time.perf_counter() - published) * 1000
        print(f"{args.runs} cold starts of each kind, alternating ...", file=sys.stderr)
        plain, restored = [], []
        for _ in range(args.runs):
            for qualifier, into in (("$LATEST", plain), (version, restored)):
                started = time.perf_counter()
                result = service.invoke("snap", b"{}", qualifier)
                total_ms = (time.perf_counter() - started) * 1000
                assert result.cold and result.error is None, result.payload
                into.append((result.init_ms if result.restore_ms is None else result.restore_ms, total_ms))
                clock.advance(3600)          # past the keep-alive: the next call is cold again
                service.reclaim_idle()
        first = []                           # the first cold start of a version just published
        for n in range(max(2, args.runs // 3)):
            service.update_function("snap", environment={"RUN": str(n)})
            fresh = service.publish_version("snap")
            first.append(service.invoke("snap", b"{}", fresh).restore_ms)
    print(f"\nlambda_lab SnapStart benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    init_p50 = statistics.median(p[0] for p in plain)
    restore_p50 = statistics.median(r[0] for r in restored)
    rows = [
        ("Restore Duration (p50)", restore_p50, TARGET_RESTORE_MS, "target"),
        ("Restore Duration (p50)", restore_p50, init_p50, "Init Duration p50"),
        ("cold invoke, restored, total (p50)", statistics.median(r[1] for r in restored),
         statistics.median(p[1] for p in plain), "plain cold p50"),
        ("Restore Duration (max)", max(r[0] for r in restored), max(p[0] for p in plain), "Init Duration max"),
        ("first restore after PublishVersion (p50)", statistics.median(first), TARGET_RESTORE_MS, "target"),
        ("PublishVersion with snapshot", publish_ms, init_p50, "Init Duration p50"),
    ]
    header = f"| {'measure':<42} | {'lab ms':>8} | {'against':>18} | {'ms':>8} | {'ratio':>7} |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for name, value, base, against in rows:
        print(f"| {name:<42} | {value:>8.1f} | {against:>18} | {base:>8.1f} | {value / base:>6.2f}x |")


if __name__ == "__main__":
    main()
