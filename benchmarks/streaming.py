"""Response streaming benchmark: time to first byte, streamed against buffered, and the 2 MB/s cap.

    .venv/bin/python benchmarks/streaming.py [--runs N] [--megabytes M]

Two Node.js functions do the same work, five parts 100 ms apart: one streams each part as it is
ready (awslambda.streamifyResponse), the other returns them all at the end. Both are called with
InvokeWithResponseStream, warm, alternating; time to first byte is when the first PayloadChunk
arrives. A third streams M MB at once: AWS sends the first 6 MB at full speed and the rest at
2 MB/s, so the expected time is (M - 6) / 2 seconds plus the lab's own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from lambda_lab import Lab

STREAMED = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    responseStream.write(`part ${i}\\n`);
  }
  responseStream.end();
});
"""
BUFFERED = """
exports.handler = async () => {
  const parts = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    parts.push(`part ${i}\\n`);
  }
  return parts.join('');
};
"""
BIG = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const megabyte = Buffer.alloc(1024 * 1024, 120);
  for (let i = 0; i < event.megabytes; i++) responseStream.write(megabyte);
  responseStream.end();
});
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="calls of each function (default 10)")
    parser.add_argument("--megabytes", type=int, default=10, help="size of the large stream (default 10)")
    args = parser.parse_args()
    with Lab.local() as lab:
        for name, code in (("streamed", STREAMED), ("buffered", BUFFERED), ("big", BIG)):
            lab.deploy(name, code=code, handler="index.handler", runtime="nodejs22.x", memory_mb=1769, timeout_s=60)
        lam = lab.client("lambda")

        def call(name: str, payload: dict) -> tuple[float, float, int]:
            started = time.perf_counter()
            answer = lam.invoke_with_response_stream(FunctionName=name, Payload=json.dumps(payload).encode())
            first, size = None, 0
            for event in answer["EventStream"]:
                if "PayloadChunk" in event:
                    first = first or time.perf_counter()
                    size += len(event["PayloadChunk"]["Payload"])
            ended = time.perf_counter()
            return ((first or ended) - started) * 1000, (ended - started) * 1000, size

        for name in ("streamed", "buffered"):
            call(name, {})   # warm
        print(f"{args.runs} calls of each, alternating ...", file=sys.stderr)
        streamed, buffered = [], []
        for _ in range(args.runs):
            streamed.append(call("streamed", {}))
            buffered.append(call("buffered", {}))
        big = call("big", {"megabytes": args.megabytes})
    print(f"\nlambda_lab response streaming benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    buffered_first = statistics.median(b[0] for b in buffered)
    expected_big = max(0.0, args.megabytes - 6) / 2 * 1000
    rows = [("time to first byte, streamed (p50)", statistics.median(s[0] for s in streamed), buffered_first,
             "buffered TTFB"),
            ("time to last byte, streamed (p50)", statistics.median(s[1] for s in streamed),
             statistics.median(b[1] for b in buffered), "buffered total"),
            (f"{args.megabytes} MB stream, total", big[1], expected_big or 1.0, "AWS's cap alone")]
    header = f"| {'measure':<38} | {'lab ms':>9} | {'against':>16} | {'ms':>9} | {'ratio':>7} |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for name, value, base, against in rows:
        print(f"| {name:<38} | {value:>9.1f} | {against:>16} | {base:>9.1f} | {value / base:>6.2f}x |")


if __name__ == "__main__":
    main()
