"""Load and soak (``make stress``; CI runs it too): nothing lost, nothing leaked, limits exact.

Every loop here is bounded in count and time and talks only to loopback.
"""

from __future__ import annotations

import json
import os
import threading
import time

import psutil
import pytest

from lambda_lab import Lab
from lambda_lab.runtime import LambdaService
from tests.conftest import python_function, worker_processes

pytestmark = [pytest.mark.stress, pytest.mark.timeout(900)]


def test_1000_calls_from_20_threads_at_limit_10_throttle_exactly_the_excess(clock):
    # 50 rounds of 20 simultaneous calls to a handler that holds its slot for 0.3 s: in each round
    # exactly 10 run and 10 are throttled, whatever the scheduling.
    process = psutil.Process()
    with LambdaService(clock=clock, concurrency_limit=10) as service:
        service.create_function(python_function("held", "import time\ndef handler(e, c):\n    time.sleep(0.3)\n    return 1\n",
                                                timeout_s=10))
        rounds, width = 50, 20
        outcome = {"ok": 0, "throttled": 0, "other": 0}
        lock = threading.Lock()
        rss_before = None
        for round_number in range(rounds):
            barrier = threading.Barrier(width)

            def call():
                barrier.wait()
                try:
                    result = service.invoke("held")
                    key = "ok" if result.error is None else "other"
                except Exception as exc:  # noqa: BLE001 - counted
                    key = "throttled" if type(exc).__name__ == "TooManyRequestsError" else "other"
                with lock:
                    outcome[key] += 1

            threads = [threading.Thread(target=call) for _ in range(width)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if round_number == 4:   # after warm-up: environments exist, caches are filled
                rss_before = process.memory_info().rss
        environments = len(service.environments("held"))
        rss_after = process.memory_info().rss
        print(f"\n1,000 calls, 20 threads, limit 10: {outcome}; {environments} environments; "
              f"lab RSS {rss_before / 1e6:.1f} -> {rss_after / 1e6:.1f} MB")
        assert outcome == {"ok": rounds * 10, "throttled": rounds * 10, "other": 0}
        assert environments == 10                      # one per concurrent slot, none leaked
        assert rss_after - rss_before < 30 * 1024 * 1024, f"lab RSS grew {(rss_after - rss_before) / 1e6:.1f} MB"
        clock.advance(service.keep_alive_s + 1)
        service.reclaim_idle()
        assert service.environments("held") == []
    assert worker_processes() == []


def test_10000_sqs_messages_each_processed_or_dead_lettered(tmp_path):
    handler = """
    def handler(event, context):
        failures = []
        for record in event["Records"]:
            n = int(record["body"])
            if n % 97 == 0:
                failures.append({"itemIdentifier": record["messageId"]})
            else:
                print("OK", n)
        return {"batchItemFailures": failures}
    """
    with Lab.local(concurrency_limit=10) as lab:
        fn = lab.deploy("worker", code=handler, handler="app.handler", timeout_s=30)
        sqs = lab.client("sqs")
        dlq_url = sqs.create_queue(QueueName="worker-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName="work", Attributes={
            "VisibilityTimeout": "2", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lab.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10,
                                                         FunctionResponseTypes=["ReportBatchItemFailures"])
        total = 10_000
        for start in range(0, total, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(start + i)} for i in range(10)])
        expected_dead = {n for n in range(total) if n % 97 == 0}
        dead: set[int] = set()
        processed: dict[int, int] = {}
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", []):
                dead.add(int(message["Body"]))
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            if dead >= expected_dead and attributes["ApproximateNumberOfMessages"] == "0" \
                    and attributes["ApproximateNumberOfMessagesNotVisible"] == "0":
                break
            time.sleep(0.5)
        for line in fn.logs(minutes=30, limit=100_000).splitlines():
            if line.startswith("OK "):
                processed[int(line[3:])] = processed.get(int(line[3:]), 0) + 1
        print(f"\n{total:,} SQS messages: {len(processed):,} processed ({sum(processed.values()):,} times), "
              f"{len(dead)} dead-lettered, {total - len(set(processed) | dead)} lost")
        assert dead == expected_dead
        assert set(processed) | dead == set(range(total)), "messages lost"
        assert not set(processed) & dead
        assert sum(processed.values()) - len(processed) == 0, "processed twice"


def test_a_soak_of_mixed_triggers_returns_to_the_provisioned_level_and_leaks_nothing():
    minutes = float(os.environ.get("LAMBDA_LAB_SOAK_MINUTES", "2"))
    process = psutil.Process()
    handler = "import time\ndef handler(e, c):\n    time.sleep(0.01)\n    return {'statusCode': 200, 'body': 'ok'}\n"
    with Lab.local(concurrency_limit=10, keep_alive_s=5) as lab:   # idle reclaim every few seconds of lab time
        fn = lab.deploy("soaked", code=handler, handler="app.handler")
        version = fn.publish_version()
        fn.set_provisioned_concurrency(2, qualifier=version)
        endpoint = lab.backend.endpoint
        baseline_fds, baseline_threads = None, None
        deadline = time.monotonic() + minutes * 60
        rounds = 0
        while time.monotonic() < deadline:
            fn.invoke({})
            fn.invoke({}, qualifier=version)
            lab.fire.s3_put(fn, "soak-bucket", f"k{rounds}", b"x")
            lab.fire.sqs(fn, [str(rounds)] * 5)
            lab.fire.sns(fn, "hi")
            response, _ = lab.fire.http(fn, "GET", "/soak")
            assert response.status_code == 200
            lab.clock.advance(3)
            rounds += 1
            if rounds == 3:
                baseline_fds, baseline_threads = process.num_fds(), process.num_threads()
        lab.clock.advance(60)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            endpoint.service.reclaim_idle()
            on_demand = len(endpoint.service.environments("soaked"))
            provisioned = len(endpoint.service.environments("soaked", version))
            if on_demand == 0 and provisioned == 2:
                break
            time.sleep(0.2)
        print(f"\nsoak {minutes:g} min, {rounds} rounds: environments on demand {on_demand}, provisioned {provisioned}; "
              f"fds {baseline_fds} -> {process.num_fds()}, threads {baseline_threads} -> {process.num_threads()}")
        assert (on_demand, provisioned) == (0, 2)
        assert rounds >= 5
        assert process.num_fds() - baseline_fds < 20, f"fds {baseline_fds} -> {process.num_fds()}"
        assert process.num_threads() - baseline_threads < 10, f"threads {baseline_threads} -> {process.num_threads()}"
    assert worker_processes() == []
