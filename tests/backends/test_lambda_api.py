"""The Lambda API through boto3 against the local endpoint behaves as AWS's does."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest
from botocore.exceptions import ClientError

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.clock import ManualClock
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
ECHO = """
import json, time
def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("shout"):
        print("x" * event["shout"])
    return {"echo": event, "version": context.function_version, "memory": context.memory_limit_in_mb}
"""


@pytest.fixture
def clock():
    return ManualClock(start=1_764_000_000.0)


@pytest.fixture
def endpoint(clock):
    with LocalEndpoint(concurrency_limit=4, clock=clock) as ep:
        yield ep


@pytest.fixture
def lam(endpoint):
    client = endpoint.client("lambda")
    client.create_function(FunctionName="echo", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": make_zip({"app.py": ECHO})}, Timeout=10)
    return client


def invoke(lam, payload=None, **kwargs):
    response = lam.invoke(FunctionName=kwargs.pop("name", "echo"), Payload=json.dumps(payload or {}).encode(),
                          LogType="Tail", **kwargs)
    body = json.loads(response["Payload"].read())
    return response, body, base64.b64decode(response["LogResult"]).decode()


def test_invoke_returns_payload_version_and_a_log_tail_with_the_report_line(lam):
    response, body, tail = invoke(lam, {"name": "Ada"})
    assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert body["echo"] == {"name": "Ada"}
    assert tail.startswith("INIT_START Runtime Version:") and "\nSTART RequestId:" in tail
    assert "\nREPORT RequestId:" in tail and "Init Duration" in tail


def test_the_log_tail_is_the_last_4_kb(lam):
    _, _, tail = invoke(lam, {"shout": 10_000})
    raw = tail.encode()
    assert len(raw) <= 4096 and raw.rstrip(b"\n").split(b"\n")[-1].startswith(b"REPORT RequestId:")


def test_a_handler_error_is_function_error_unhandled_with_awss_document(lam):
    response, body, _ = invoke(lam, {"fail": True})
    assert response["FunctionError"] == "Unhandled" and response["StatusCode"] == 200
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "asked to fail"


def test_code_and_configuration_updates_retire_warm_environments(lam):
    invoke(lam)
    assert "Init Duration" not in invoke(lam)[2]
    lam.update_function_configuration(FunctionName="echo", MemorySize=256)
    _, body, tail = invoke(lam)
    assert body["memory"] == "256" and "Init Duration" in tail and "Memory Size: 256 MB" in tail
    lam.update_function_code(FunctionName="echo", ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 'v2'\n"}))
    _, body, tail = invoke(lam)
    assert body == "v2" and "Init Duration" in tail


def test_versions_and_aliases_run_the_code_they_point_to(lam):
    version = lam.publish_version(FunctionName="echo")["Version"]
    lam.create_alias(FunctionName="echo", Name="live", FunctionVersion=version)
    lam.update_function_code(FunctionName="echo", ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 'latest'\n"}))
    response, body, _ = invoke(lam, Qualifier="live")
    assert response["ExecutedVersion"] == version and body["version"] == version
    assert invoke(lam)[1] == "latest"


def test_reserved_concurrency_zero_throttles_with_too_many_requests(lam):
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as caught:
        invoke(lam)
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    lam.delete_function_concurrency(FunctionName="echo")
    assert invoke(lam)[0]["StatusCode"] == 200


def test_reserving_more_than_the_account_has_is_refused(lam):
    with pytest.raises(ClientError) as caught:
        lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=5)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_concurrent_calls_past_the_account_limit_are_throttled(endpoint, lam):
    # boto3 retries throttles by itself (as against AWS); switch that off to see each 429.
    from botocore.config import Config
    lam = endpoint.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    outcomes = []

    def call():
        try:
            outcomes.append(invoke(lam, {"sleep": 1.0})[0]["StatusCode"])
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) == ["200"] * 4 + ["TooManyRequestsException"] * 2


def test_provisioned_concurrency_serves_without_init(lam):
    version = lam.publish_version(FunctionName="echo")["Version"]
    lam.create_alias(FunctionName="echo", Name="live", FunctionVersion=version)
    config = lam.put_provisioned_concurrency_config(FunctionName="echo", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
    assert config["Status"] == "READY" and config["AllocatedProvisionedConcurrentExecutions"] == 2
    assert lam.get_provisioned_concurrency_config(FunctionName="echo", Qualifier="live")["Status"] == "READY"
    _, _, tail = invoke(lam, Qualifier="live")
    assert "Init Duration" not in tail
    assert len(lam.list_provisioned_concurrency_configs(FunctionName="echo")["ProvisionedConcurrencyConfigs"]) == 1
    lam.delete_provisioned_concurrency_config(FunctionName="echo", Qualifier="live")
    with pytest.raises(ClientError) as caught:
        lam.get_provisioned_concurrency_config(FunctionName="echo", Qualifier="live")
    assert caught.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_provisioned_concurrency_on_latest_is_refused(lam):
    with pytest.raises(ClientError) as caught:
        lam.put_provisioned_concurrency_config(FunctionName="echo", Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_account_settings_report_the_labs_limit(lam):
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 4
    assert settings["AccountUsage"]["FunctionCount"] == 1


@pytest.mark.parametrize("invocation_type, size, limit", [("RequestResponse", 6 * 1024 * 1024 + 10, 6291456),
                                                           ("Event", 1024 * 1024 + 10, 1048576)])
def test_too_large_events_are_request_entity_too_large(lam, invocation_type, size, limit):
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName="echo", InvocationType=invocation_type, Payload=b'"' + b"x" * size + b'"')
    assert caught.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert str(limit) in caught.value.response["Error"]["Message"]


def test_an_unknown_function_is_resource_not_found(lam):
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="nope")


def test_logs_land_in_cloudwatch_one_stream_per_environment(endpoint, lam):
    threads = [threading.Thread(target=invoke, args=(lam, {"sleep": 0.5})) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    logs = endpoint.client("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/echo")["logStreams"]
    assert len(streams) == 2
    messages = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/echo")["events"]]
    assert sum(m.startswith("REPORT RequestId:") for m in messages) == 2


def test_metrics_land_in_cloudwatch(endpoint, lam):
    from datetime import datetime, timedelta, timezone
    invoke(lam)
    invoke(lam, {"fail": True})
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    from botocore.config import Config
    with pytest.raises(ClientError):  # one attempt: boto3 would otherwise retry, and each retry counts
        invoke(endpoint.client("lambda", config=Config(retries={"total_max_attempts": 1})))
    cloudwatch = endpoint.client("cloudwatch")
    now = datetime.now(timezone.utc)

    def total(metric, stat="Sum"):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric, Dimensions=[{"Name": "FunctionName", "Value": "echo"}],
            StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=5), Period=600, Statistics=[stat])
        return sum(p[stat] for p in points["Datapoints"])

    assert (total("Invocations"), total("Errors"), total("Throttles")) == (2, 1, 1)
    assert total("Duration", "Maximum") > 0 and total("ConcurrentExecutions", "Maximum") >= 1


# -- asynchronous invocation ----------------------------------------------------------------

def make_queue(endpoint, name):
    sqs = endpoint.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def receive(sqs, url, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get("Messages", [])
        if messages:
            return messages[0]
        time.sleep(0.05)
    raise AssertionError("no message arrived")


def starts(endpoint):
    logs = endpoint.client("logs")
    try:
        events = logs.filter_log_events(logGroupName="/aws/lambda/echo")["events"]
    except ClientError:
        return 0
    return sum(e["message"].startswith("START") for e in events)


def test_an_event_invocation_answers_202_at_once_and_runs_in_the_background(endpoint, lam):
    started = time.monotonic()
    response = lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"sleep": 1}')
    assert response["StatusCode"] == 202 and time.monotonic() - started < 0.8
    assert endpoint.invoker.wait_idle(10)
    assert starts(endpoint) == 1


def test_failed_event_is_retried_twice_then_sent_to_the_on_failure_destination(endpoint, lam, clock):
    sqs, url, arn = make_queue(endpoint, "failures")
    lam.put_function_event_invoke_config(FunctionName="echo", DestinationConfig={"OnFailure": {"Destination": arn}})
    lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"fail": true}')
    endpoint.invoker.wait_idle(10)
    assert starts(endpoint) == 1
    clock.advance(59)
    endpoint.invoker.wait_idle(10)
    assert starts(endpoint) == 1       # AWS waits about a minute before the second attempt
    clock.advance(2)
    endpoint.invoker.wait_idle(10)
    assert starts(endpoint) == 2
    clock.advance(121)                 # ...and two more before the third
    endpoint.invoker.wait_idle(10)
    assert starts(endpoint) == 3
    record = json.loads(receive(sqs, url)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"fail": True}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_success_goes_to_the_on_success_destination(endpoint, lam):
    sqs, url, arn = make_queue(endpoint, "successes")
    lam.put_function_event_invoke_config(FunctionName="echo", DestinationConfig={"OnSuccess": {"Destination": arn}})
    lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"n": 1}')
    record = json.loads(receive(sqs, url)["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"]["echo"] == {"n": 1}


def test_a_failed_event_without_destination_goes_to_the_dead_letter_queue(endpoint, lam):
    sqs, url, arn = make_queue(endpoint, "dlq")
    lam.update_function_configuration(FunctionName="echo", DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName="echo", MaximumRetryAttempts=0)
    lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"fail": true, "order": 7}')
    message = receive(sqs, url)
    assert json.loads(message["Body"]) == {"fail": True, "order": 7}
    attributes = message["MessageAttributes"]
    assert attributes["ErrorMessage"]["StringValue"] == "asked to fail"
    assert "RequestID" in attributes and attributes["ErrorCode"]["StringValue"] == "200"


# -- the handler's own AWS calls ------------------------------------------------------------

def test_a_handler_writes_to_dynamodb_when_an_object_lands_in_s3(endpoint):
    dynamodb, s3, lam = endpoint.client("dynamodb"), endpoint.client("s3"), endpoint.client("lambda")
    dynamodb.create_table(TableName="uploads", KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    source = """
    import boto3
    table = boto3.resource("dynamodb").Table("uploads")
    def handler(event, context):
        for record in event["Records"]:
            table.put_item(Item={"key": record["s3"]["object"]["key"]})
    """
    arn = lam.create_function(FunctionName="indexer", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": make_zip({"app.py": source})}, Timeout=10)["FunctionArn"]
    s3.create_bucket(Bucket="photos")
    s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="photos", Key="cat.jpg", Body=b"meow")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = dynamodb.scan(TableName="uploads")["Items"]
        if items:
            break
        time.sleep(0.05)
    assert items == [{"key": {"S": "cat.jpg"}}]


@pytest.mark.parametrize("variables, words", [({"AWS_REGION": "x"}, "Reserved keys"), ({"BIG": "x" * 5000}, "4 KB")])
def test_bad_environment_variables_are_refused_at_create_time_as_on_aws(endpoint, variables, words):
    lam = endpoint.client("lambda")
    with pytest.raises(ClientError) as caught:
        lam.create_function(FunctionName="env-checked", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": make_zip({"app.py": ECHO})}, Environment={"Variables": variables})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert words in caught.value.response["Error"]["Message"]


def test_a_runtime_the_lab_cannot_run_is_refused_at_create_naming_the_real_account(lam):
    with pytest.raises(ClientError) as refused:
        lam.create_function(FunctionName="in-java", Runtime="java21", Handler="example.Handler::handleRequest",
                            Role="arn:aws:iam::123456789012:role/lambda-role", Code={"ZipFile": make_zip({"a": "b"})})
    assert refused.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "Lab.aws()" in refused.value.response["Error"]["Message"]
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["echo"]
