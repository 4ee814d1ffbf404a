"""Triggers benchmark: SQS throughput end to end, and HTTP through the local API Gateway.

    .venv/bin/python benchmarks/triggers.py [--messages 1000] [--requests 300]

- 1,000 SQS messages sent in batches of 10, polled by an event source mapping (batch size 10),
  each handled by a real function that logs the message id: wall time from the first send to the
  last message processed, and how many were lost or processed twice (counted from the logs).
  Baseline: the time to send them alone.
- An HTTP request through the local API Gateway (HTTP API, payload 2.0) to a warm handler,
  p50/p99, beside a warm direct Invoke of the same function through boto3.
Targets: 0 lost, <= 10 s for 1,000 messages on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter

import requests

from lambda_lab import Lab

HANDLER = """
def handler(event, context):
    if "Records" in event:
        for record in event["Records"]:
            print("MSG", record["body"])
        return None
    return {"statusCode": 200, "body": "ok"}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def processed_ids(lab: Lab, since: float) -> Counter:
    logs = lab.client("logs")
    seen: Counter = Counter()
    kwargs = {"logGroupName": "/aws/lambda/bench", "startTime": int(since * 1000) - 1, "filterPattern": "MSG"}
    while True:
        try:
            page = logs.filter_log_events(**kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return seen  # nothing has run yet: no log group

        for event in page["events"]:
            if event["message"].startswith("MSG "):
                seen[event["message"][4:].strip()] += 1
        if not page.get("nextToken"):
            return seen
        kwargs["nextToken"] = page["nextToken"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    with Lab.local(concurrency_limit=10) as lab:
        fn = lab.deploy("bench", code=HANDLER, handler="app.handler")
        sqs = lab.client("sqs")
        url = sqs.create_queue(QueueName="bench")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lab.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="bench", BatchSize=10)
        time.sleep(0.5)  # the poller starts

        print(f"sending {args.messages} SQS messages ...", file=sys.stderr)
        since = time.time()
        started = time.perf_counter()
        for start in range(0, args.messages, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "MessageBody": f"m-{start + i}"} for i in range(min(10, args.messages - start))])
        send_s = time.perf_counter() - started
        deadline = time.monotonic() + 120
        seen: Counter = Counter()
        while time.monotonic() < deadline:
            seen = processed_ids(lab, since)
            if len(seen) >= args.messages:
                break
            time.sleep(0.05)
        total_s = time.perf_counter() - started
        lost = args.messages - len(seen)
        duplicates = sum(n - 1 for n in seen.values())

        http_url = lab.fire.http_url(fn)
        session = requests.Session()
        direct = lab.client("lambda")
        for _ in range(20):
            session.get(http_url + "hello")
            direct.invoke(FunctionName="bench", Payload=b"{}")
        print(f"{args.requests} HTTP requests and direct invokes, alternating ...", file=sys.stderr)
        http_ms, invoke_ms = [], []
        for _ in range(args.requests):
            t = time.perf_counter()
            assert session.get(http_url + "hello").status_code == 200
            http_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            direct.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
            invoke_ms.append((time.perf_counter() - t) * 1000)

    print(f"\nlambda_lab triggers benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    print(f"| {'measurement':<46} | {'lab':>10} | {'baseline':<34} | {'ratio':>7} | {'target':<16} |")
    print(f"|{'-' * 48}|{'-' * 12}|{'-' * 36}|{'-' * 9}|{'-' * 18}|")
    print(f"| {f'{args.messages} SQS messages, send to last processed (s)':<46} | {total_s:>10.2f} | "
          f"{'sending them alone (s)':<34} | {total_s / send_s:>6.2f}x | {'<= 10 s':<16} |")
    print(f"| {'messages lost / processed twice':<46} | {f'{lost} / {duplicates}':>10} | {'':<34} | {'':>7} | {'0 lost':<16} |")
    for name, stat in (("p50", statistics.median), ("p99", lambda v: percentile(v, 99))):
        a, b = stat(http_ms), stat(invoke_ms)
        print(f"| {f'HTTP API -> warm handler {name} (ms)':<46} | {a:>10.3f} | {f'direct boto3 Invoke {name} (ms)':<34} | "
              f"{a / b:>6.2f}x | {'':<16} |")


if __name__ == "__main__":
    main()
