"""Every trigger runs real code, through the real service path, with AWS's event shapes.

Each test fires through the lab's endpoint (an upload, a message, a publish, a write, put_events,
a schedule); the handler records what it received into a DynamoDB table through its own boto3
client (so its call reaches the lab too); the test reads the table.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.clock import ManualClock
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
RECORDER = """
import json, os, uuid
import boto3
table = boto3.resource("dynamodb").Table("seen")

def handler(event, context):
    table.put_item(Item={"id": str(uuid.uuid4()), "event": json.dumps(event), "fn": context.function_name})
    behaviour = os.environ.get("BEHAVIOUR", "ok")
    if behaviour == "fail":
        raise RuntimeError("failing on purpose")
    if behaviour == "partial":
        bodies = {r["messageId"]: r["body"] for r in event["Records"]}
        return {"batchItemFailures": [{"itemIdentifier": mid} for mid, body in bodies.items() if "bad" in body]}
    return {"ok": True}
"""
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def clock():
    return ManualClock(start=1_764_000_000.0)


@pytest.fixture
def endpoint(clock):
    with LocalEndpoint(clock=clock) as ep:
        ep.client("dynamodb").create_table(
            TableName="seen", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield ep


def deploy(endpoint, name="recorder", behaviour="ok", timeout=10) -> str:
    return endpoint.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=timeout,
        Environment={"Variables": {"BEHAVIOUR": behaviour}},
        Code={"ZipFile": make_zip({"app.py": RECORDER})})["FunctionArn"]


def seen(endpoint, count=1, timeout=15.0) -> list[dict]:
    """The events handlers recorded, once at least ``count`` have arrived."""
    deadline = time.monotonic() + timeout
    while True:
        items = endpoint.client("dynamodb").scan(TableName="seen")["Items"]
        if len(items) >= count or time.monotonic() > deadline:
            return [json.loads(item["event"]["S"]) for item in items]
        time.sleep(0.05)


def test_s3_object_created_and_removed_events_have_awss_shape(endpoint):
    arn = deploy(endpoint)
    s3 = endpoint.client("s3")
    s3.create_bucket(Bucket="photos")
    s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "on-upload", "LambdaFunctionArn": arn,
                                          "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    s3.put_object(Bucket="photos", Key="holiday pics/cat 1.jpg", Body=b"meow")
    s3.delete_object(Bucket="photos", Key="holiday pics/cat 1.jpg")
    events = seen(endpoint, 2)
    put = next(e for e in events if e["Records"][0]["eventName"] == "ObjectCreated:Put")["Records"][0]
    removed = next(e for e in events if e["Records"][0]["eventName"].startswith("ObjectRemoved"))["Records"][0]
    assert set(put) == {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                        "requestParameters", "responseElements", "s3"}
    assert put["eventSource"] == "aws:s3" and put["eventVersion"] == "2.1" and re.fullmatch(ISO_MS, put["eventTime"])
    assert put["userIdentity"]["principalId"].startswith("AWS:")
    assert set(put["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3_part = put["s3"]
    assert s3_part["configurationId"] == "on-upload"
    assert s3_part["bucket"] == {"name": "photos", "ownerIdentity": s3_part["bucket"]["ownerIdentity"],
                                 "arn": "arn:aws:s3:::photos"}
    assert s3_part["object"]["key"] == "holiday+pics/cat+1.jpg"  # URL-encoded, as S3 sends keys
    assert s3_part["object"]["size"] == 4 and re.fullmatch(r"[0-9a-f]{32}", s3_part["object"]["eTag"])
    assert re.fullmatch(r"[0-9A-F]{18}", s3_part["object"]["sequencer"])
    assert set(removed["s3"]["object"]) == {"key", "sequencer"}


def test_an_upload_returns_before_the_function_runs(endpoint):
    # S3 invokes Lambda asynchronously: a slow handler does not slow the upload.
    code = "import time\ndef handler(e, c):\n    time.sleep(2)\n"
    arn = endpoint.client("lambda").create_function(
        FunctionName="slow", Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=10,
        Code={"ZipFile": make_zip({"app.py": code})})["FunctionArn"]
    s3 = endpoint.client("s3")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    started = time.monotonic()
    s3.put_object(Bucket="uploads", Key="a.txt", Body=b"x")
    assert time.monotonic() - started < 1.5


def test_sns_delivers_awss_notification_shape(endpoint):
    arn = deploy(endpoint)
    sns = endpoint.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)["SubscriptionArn"]
    message_id = sns.publish(TopicArn=topic, Message="order 42", Subject="New order",
                             MessageAttributes={"priority": {"DataType": "String", "StringValue": "high"}})["MessageId"]
    record = seen(endpoint)[0]["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == subscription
    sns_part = record["Sns"]
    assert sns_part["MessageId"] == message_id and sns_part["TopicArn"] == topic
    assert (sns_part["Message"], sns_part["Subject"], sns_part["Type"]) == ("order 42", "New order", "Notification")
    assert sns_part["MessageAttributes"] == {"priority": {"Type": "String", "Value": "high"}}
    assert re.fullmatch(ISO_MS, sns_part["Timestamp"])
    assert sns_part["SigningCertUrl"].startswith("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-")
    assert "EXAMPLE" not in json.dumps(record)


def make_queue(endpoint, name, **attributes):
    sqs = endpoint.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def test_sqs_batches_reach_the_function_in_awss_shape_and_are_deleted(endpoint):
    arn = deploy(endpoint)
    sqs, url, queue_arn = make_queue(endpoint, "orders")
    endpoint.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=arn, BatchSize=10)
    for i in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": i}),
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    deadline = time.monotonic() + 15
    delivered: list = []
    while time.monotonic() < deadline:
        delivered = [r for e in seen(endpoint, 0) for r in e["Records"]]
        if len(delivered) >= 25:
            break
        time.sleep(0.1)
    assert sorted(json.loads(r["body"])["order"] for r in delivered) == list(range(25))
    record = delivered[0]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                           "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"}
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == queue_arn
    assert record["messageAttributes"]["kind"]["stringValue"] == "order"
    assert {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert all(len(e["Records"]) <= 10 for e in seen(endpoint, 0))
    time.sleep(0.5)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_failures_return_after_the_visibility_timeout_then_move_to_the_dlq(endpoint):
    arn = deploy(endpoint, behaviour="fail")
    sqs, dlq_url, dlq_arn = make_queue(endpoint, "orders-dlq")
    _, url, queue_arn = make_queue(endpoint, "orders", VisibilityTimeout=1,
                                   RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    endpoint.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=arn, BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    deadline = time.monotonic() + 20
    moved = []
    while time.monotonic() < deadline and not moved:
        moved = sqs.receive_message(QueueUrl=dlq_url).get("Messages", [])
        time.sleep(0.2)
    assert [m["Body"] for m in moved] == ["poison"]
    receive_counts = [int(e["Records"][0]["attributes"]["ApproximateReceiveCount"]) for e in seen(endpoint, 2)]
    assert sorted(receive_counts) == [1, 2]


def test_report_batch_item_failures_keeps_only_the_failed_messages(endpoint):
    arn = deploy(endpoint, behaviour="partial")
    sqs, url, queue_arn = make_queue(endpoint, "partial", VisibilityTimeout=30)
    for body in ("good-1", "bad-2", "good-3"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    endpoint.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=arn, BatchSize=10, MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    seen(endpoint)
    time.sleep(1.0)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"   # bad-2, waiting to return
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_dynamodb_stream_records_reach_the_function(endpoint):
    arn = deploy(endpoint)
    dynamodb = endpoint.client("dynamodb")
    stream_arn = dynamodb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    endpoint.client("lambda").create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=arn,
                                                          StartingPosition="LATEST")
    dynamodb.put_item(TableName="orders", Item={"pk": {"S": "o-1"}, "total": {"N": "42"}})
    record = seen(endpoint)[0]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb" and record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == stream_arn
    assert record["dynamodb"]["NewImage"] == {"pk": {"S": "o-1"}, "total": {"N": "42"}}
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "o-1"}}


def test_eventbridge_rules_deliver_matching_events_to_lambda_targets(endpoint):
    arn = deploy(endpoint)
    events = endpoint.client("events")
    events.put_rule(Name="big-orders", EventPattern=json.dumps({"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}))
    events.put_targets(Rule="big-orders", Targets=[{"Id": "fn", "Arn": arn}])
    events.put_events(Entries=[
        {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"total": 250})},
        {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"total": 5})},
    ])
    delivered = seen(endpoint)
    time.sleep(0.5)
    delivered = seen(endpoint)
    assert len(delivered) == 1
    event = delivered[0]
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["detail"] == {"total": 250} and event["detail-type"] == "Order Placed"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"]) and re.fullmatch(UUID, event["id"])


def test_eventbridge_input_transformer_shapes_what_the_target_receives(endpoint):
    arn = deploy(endpoint)
    events = endpoint.client("events")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "fn", "Arn": arn, "InputTransformer": {
        "InputPathsMap": {"total": "$.detail.total"}, "InputTemplate": '{"amount": <total>}'}}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "x", "Detail": json.dumps({"total": 7})}])
    assert seen(endpoint)[0] == {"amount": 7}


def test_scheduled_rules_fire_on_the_lab_clock(endpoint, clock):
    arn = deploy(endpoint)
    events = endpoint.client("events")
    rule_arn = events.put_rule(Name="every-5-minutes", ScheduleExpression="rate(5 minutes)")["RuleArn"]
    events.put_targets(Rule="every-5-minutes", Targets=[{"Id": "fn", "Arn": arn}])
    time.sleep(0.3)                       # the scheduler notices the rule
    assert endpoint.scheduler.tick() == 0
    clock.advance(3600)                   # an hour of lab time
    fired = endpoint.scheduler.tick()
    assert fired == 12
    delivered = seen(endpoint, 12)
    assert len(delivered) == 12
    event = delivered[0]
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [rule_arn] and event["detail"] == {}
    assert len({e["time"] for e in delivered}) == 12   # each firing at its own scheduled time


# -- the delivered events have the shape of AWS's own sample events ----------------------------

FIXTURES = __import__("pathlib").Path(__file__).parent.parent / "events" / "fixtures"


def key_paths(obj, path="") -> set[str]:
    """Every key path in a JSON value (list items merged), to compare shapes."""
    if isinstance(obj, dict):
        return {p for k, v in obj.items() for p in {f"{path}.{k}"} | key_paths(v, f"{path}.{k}")}
    if isinstance(obj, list):
        return {p for item in obj[:1] for p in key_paths(item, path + "[]")}
    return set()


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_delivered_s3_sns_sqs_events_have_the_shape_of_awss_samples(endpoint):
    arn = deploy(endpoint)
    s3 = endpoint.client("s3")
    s3.create_bucket(Bucket="shapes")
    s3.put_bucket_notification_configuration(Bucket="shapes", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="shapes", Key="a.txt", Body=b"x")
    sns = endpoint.client("sns")
    topic = sns.create_topic(Name="shapes")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="m", Subject="s",
                MessageAttributes={"Test": {"DataType": "String", "StringValue": "TestString"},
                                   "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"}})
    sqs, url, queue_arn = make_queue(endpoint, "shapes")
    endpoint.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=arn)
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    delivered = seen(endpoint, 3)
    by_source = {(e["Records"][0].get("eventSource") or e["Records"][0].get("EventSource")): e for e in delivered}
    assert key_paths(by_source["aws:s3"]) == key_paths(fixture("s3_put.json"))
    assert key_paths(by_source["aws:sns"]) == key_paths(fixture("sns.json"))
    assert key_paths(by_source["aws:sqs"]) == key_paths(fixture("sqs_standard.json"))
