"""Durable functions benchmark: what one checkpointed step costs, beside a plain warm invoke.

    .venv/bin/python benchmarks/durable.py [--runs N] [--steps S]

A durable handler runs S steps in one invocation; the SDK checkpoints each (CheckpointDurableExecution
to the lab endpoint, from inside the worker). The same handler with zero steps gives the floor of a
durable execution (start, one invocation, history). The cost of one step is the difference divided
by S. A plain warm boto3 Invoke of a non-durable function is measured in the same run, alternating.
All functions run at 1,769 MB (one vCPU), warm. The floor of about 100 ms is the SDK's, not the
lab's: at the end of each invocation the SDK's checkpoint thread notices its stop signal by polling
every 0.1 s (_STOP_SIGNAL_POLL_SECONDS in aws_durable_execution_sdk_python/state.py), on AWS too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from lambda_lab import Lab

DURABLE = '''
from aws_durable_execution_sdk_python import durable_execution

@durable_execution
def handler(event, context):
    total = 0
    for n in range(event["steps"]):
        total += context.step(lambda _, n=n: n, name=f"step-{n}")
    return total
'''
PLAIN = "def handler(event, context):\n    return event\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="executions per kind (default 20)")
    parser.add_argument("--steps", type=int, default=50, help="steps in the long execution (default 50)")
    args = parser.parse_args()
    with Lab.local() as lab:
        lab.deploy("durable", code=DURABLE, durable=600, memory_mb=1769, timeout_s=60)
        lab.deploy("plain", code=PLAIN, memory_mb=1769)
        lam = lab.client("lambda")

        def durable(steps: int) -> float:
            started = time.perf_counter()
            answer = lam.invoke(FunctionName="durable:$LATEST", Payload=json.dumps({"steps": steps}).encode())
            assert json.loads(answer["Payload"].read()) == sum(range(steps)), "wrong result"
            return (time.perf_counter() - started) * 1000

        def plain() -> float:
            started = time.perf_counter()
            lam.invoke(FunctionName="plain", Payload=b'{"a": 1}')["Payload"].read()
            return (time.perf_counter() - started) * 1000

        for _ in range(3):  # warm: environments, connections
            durable(args.steps), durable(0), plain()
        print(f"{args.runs} runs of each, alternating ...", file=sys.stderr)
        long, empty, warm = [], [], []
        for _ in range(args.runs):
            long.append(durable(args.steps))
            empty.append(durable(0))
            warm.append(plain())
    per_step = (statistics.median(long) - statistics.median(empty)) / max(1, args.steps)
    plain_p50 = statistics.median(warm)
    print(f"\nlambda_lab durable functions benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    rows = [("durable execution, 0 steps (p50)", statistics.median(empty), plain_p50),
            (f"durable execution, {args.steps} steps (p50)", statistics.median(long), plain_p50),
            ("one checkpointed step (difference / steps)", per_step, plain_p50)]
    header = f"| {'measure':<44} | {'lab ms':>9} | {'plain warm invoke p50 ms':>25} | {'ratio':>7} |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for name, value, base in rows:
        print(f"| {name:<44} | {value:>9.2f} | {base:>25.2f} | {value / base:>6.2f}x |")


if __name__ == "__main__":
    main()
