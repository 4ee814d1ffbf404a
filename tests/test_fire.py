"""lab.fire: each trigger fired through the real path returns the invocations that ran."""

from __future__ import annotations

import json

import pytest

from lambda_lab import Lab

HANDLER = """
import json
def handler(event, context):
    source = "direct"
    if isinstance(event, dict):
        records = event.get("Records") or [{}]
        source = records[0].get("eventSource") or records[0].get("EventSource") or event.get("source") \\
            or ("http" if "requestContext" in event else "direct")
    print("SOURCE", source, len(event.get("Records", [])) if isinstance(event, dict) else 0)
    if source == "aws:sqs":
        return None
    return {"statusCode": 200, "body": json.dumps({"source": source})}
"""


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        yield lab


@pytest.fixture(scope="module")
def fn(lab):
    return lab.deploy("fired", code=HANDLER, handler="app.handler")


def sources(invocations):
    return [line.split()[1] for i in invocations for line in i.logs.splitlines() if line.startswith("SOURCE")]


def test_s3_put_runs_the_function_once(lab, fn):
    ran = lab.fire.s3_put(fn, "fire-bucket", "cat.jpg", b"meow")
    assert len(ran) == 1 and sources(ran) == ["aws:s3"] and ran[0].environment


def test_sqs_messages_are_processed_in_batches(lab, fn):
    ran = lab.fire.sqs(fn, [{"n": i} for i in range(23)], batch_size=10)
    counts = [int(line.split()[2]) for i in ran for line in i.logs.splitlines() if line.startswith("SOURCE")]
    assert sum(counts) == 23 and max(counts) <= 10


def test_sns_eventbridge_dynamodb(lab, fn):
    assert sources(lab.fire.sns(fn, {"hello": "world"}, subject="hi")) == ["aws:sns"]
    assert sources(lab.fire.eventbridge(fn, {"total": 3}, source="shop")) == ["shop"]
    assert sources(lab.fire.dynamodb(fn, {"id": "o-1", "total": 3})) == ["aws:dynamodb"]


def test_a_schedule_fires_once_per_period_of_lab_time(lab, fn):
    ran = lab.fire.schedule(fn, "rate(15 minutes)", advance_s=3600)
    assert len(ran) == 4 and set(sources(ran)) == {"aws.events"}


def test_http_goes_through_api_gateway(lab, fn):
    response, ran = lab.fire.http(fn, "POST", "/orders", body={"sku": "A1"})
    assert response.status_code == 200 and response.json() == {"source": "http"}
    assert len(ran) == 1


def test_step_functions_task_runs_the_function(lab, fn):
    execution, ran = lab.fire.step_functions(fn, {"order": 1})
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["statusCode"] == 200 and len(ran) == 1


def test_fired_invocations_are_recorded(lab):
    assert len(lab.invocations) >= 6


def test_a_fired_invocation_whose_handler_raised_is_an_error(lab):
    failing = lab.deploy("fired-failing", code="def handler(e, c):\n    raise ValueError('nope')\n", handler="app.handler")
    response, ran = lab.fire.http(failing, "GET", "/")
    assert response.status_code == 502
    assert ran[0].error == {"errorType": "ValueError", "errorMessage": "nope"} and not ran[0].ok


def test_step_functions_executions_have_names(lab, fn):
    execution, _ = lab.fire.step_functions(fn, {"order": 2})
    assert not execution["executionArn"].endswith(":None")
