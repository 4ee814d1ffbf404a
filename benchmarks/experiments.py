"""Experiments benchmark: how long power tuning and an hour of simulated traffic take here.

    .venv/bin/python benchmarks/experiments.py [--runs 10] [--rate 5] [--minutes 60]

- power_tune of a trivial handler: 6 memory sizes x 10 warm runs (+1 cold each), beside the same
  number of plain warm invocations at one size (what the configuration changes cost).
- simulate: one simulated hour at 5 requests/s (18,000 real invocations), beside the same number
  of back-to-back warm invocations through boto3 (``fn.invoke``). In a notebook's own lab,
  simulate calls the Lambda service directly (``backend.direct_invoker()``), skipping the HTTP API,
  which is why it can take less time than the same calls made through boto3.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from lambda_lab import Lab, traffic

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    sizes = [128, 256, 512, 1024, 1769, 3008]
    with Lab.local() as lab:
        fn = lab.deploy("bench", code=HANDLER, handler="app.handler")
        fn.invoke()
        started = time.perf_counter()
        tuning = lab.power_tune(fn, {}, memory=sizes, runs=args.runs)
        tune_s = time.perf_counter() - started
        calls = len(tuning.invocations)
        started = time.perf_counter()
        for _ in range(calls):
            fn.invoke()
        plain_tune_s = time.perf_counter() - started

        arrivals = traffic.steady(args.rate, args.minutes * 60)
        started = time.perf_counter()
        result = lab.simulate(fn, arrivals)
        sim_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(len(arrivals)):
            fn.invoke()
        plain_sim_s = time.perf_counter() - started

    print(f"\nlambda_lab experiments benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    print(f"| {'experiment':<48} | {'seconds':>8} | {'same calls back to back (s)':>27} | {'ratio':>7} |")
    print(f"|{'-' * 50}|{'-' * 10}|{'-' * 29}|{'-' * 9}|")
    print(f"| {f'power_tune: {len(sizes)} sizes x {args.runs} runs ({calls} calls)':<48} | {tune_s:>8.2f} | "
          f"{plain_tune_s:>27.2f} | {tune_s / plain_tune_s:>6.2f}x |")
    label = f"simulate: {args.minutes:g} min at {args.rate:g}/s ({len(arrivals):,} calls)"
    print(f"| {label:<48} | {sim_s:>8.2f} | {plain_sim_s:>27.2f} | {sim_s / plain_sim_s:>6.2f}x |")
    print(f"\n{result.summary()}")


if __name__ == "__main__":
    main()
