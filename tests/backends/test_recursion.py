"""Recursive loop detection, as AWS documents it.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
- "If your function is invoked approximately 16 times in the same chain of requests, then Lambda
  automatically stops the next function invocation in that request chain."
- Loops through Amazon SQS, Amazon S3, Amazon SNS and Lambda itself (synchronous or asynchronous
  invokes) are detected; loops through other services are not.
- A stopped asynchronous event goes to the on-failure destination or dead-letter queue if there is
  one; an SQS event source mapping gets RecursiveInvocationException and the message stays on the
  queue until its maxReceiveCount moves it to the queue's dead-letter queue.
- ``RecursiveInvocationsDropped`` counts the stopped invocations; with ``RecursiveLoop=Allow`` the
  loop runs and the metric is not emitted.
https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionRecursionConfig.html (default Terminate)

Each loop here is a real one: the handler's own boto3 call (an S3 put, an SQS send, an SNS publish,
an Invoke) causes the next invocation, and it records every invocation in a DynamoDB table.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from lambda_lab.backends.local import LocalEndpoint
from tests.conftest import eventually, make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
MODEL = botocore.session.get_session().get_service_model("lambda")
LOOPER = """
import json, os, uuid
import boto3
from botocore.exceptions import ClientError

LOOP, TARGET = os.environ["LOOP"], os.environ.get("TARGET", "")
STOP_AFTER = int(os.environ.get("STOP_AFTER", "0"))   # the handler's own guard; 0: none
table = boto3.resource("dynamodb").Table("seen")
client = boto3.client({"s3": "s3", "sqs": "sqs", "sns": "sns", "events": "events"}.get(LOOP, "lambda"))


def generation(event):
    if "n" in event:
        return event["n"]
    if "detail" in event:
        return event["detail"]["n"]
    record = event["Records"][0]
    source = record.get("eventSource") or record.get("EventSource")
    if source == "aws:s3":
        return int(record["s3"]["object"]["key"].rsplit("/", 1)[-1])
    if source == "aws:sqs":
        return json.loads(record["body"])["n"]
    return json.loads(record["Sns"]["Message"])["n"]


def handler(event, context):
    n = generation(event)
    table.put_item(Item={"id": str(uuid.uuid4()), "n": n, "trace": os.environ.get("_X_AMZN_TRACE_ID", "")})
    if STOP_AFTER and n >= STOP_AFTER:
        return {"n": n, "done": True}
    following = json.dumps({"n": n + 1})
    if LOOP == "s3":
        client.put_object(Bucket=TARGET, Key=f"gen/{n + 1}", Body=b"x")
    elif LOOP == "sqs":
        client.send_message(QueueUrl=TARGET, MessageBody=following)
    elif LOOP == "sns":
        client.publish(TopicArn=TARGET, Message=following)
    elif LOOP == "events":
        client.put_events(Entries=[{"Source": "looper", "DetailType": "next", "Detail": following}])
    elif LOOP == "lambda":
        client.invoke(FunctionName=TARGET or context.function_name, InvocationType="Event", Payload=following)
    elif LOOP == "lambda-sync":
        try:
            answer = client.invoke(FunctionName=context.function_name, Payload=following)
        except ClientError as error:
            return {"n": n, "stopped_with": error.response["Error"]["Code"]}
        return json.loads(answer["Payload"].read())
    return {"n": n}
"""


def assert_shape(operation: str, response: dict) -> None:
    shape = MODEL.operation_model(operation).output_shape
    answer = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    assert set(answer) <= set(shape.members)
    report = ParamValidator().validate(answer, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def endpoint():
    with LocalEndpoint(concurrency_limit=4) as ep:
        ep.client("dynamodb").create_table(
            TableName="seen", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield ep


def deploy(endpoint, loop: str, target: str = "", stop_after: int = 0, name: str = "looper", **config) -> str:
    return endpoint.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=30,
        Environment={"Variables": {"LOOP": loop, "TARGET": target, "STOP_AFTER": str(stop_after)}},
        Code={"ZipFile": make_zip({"app.py": LOOPER})}, **config)["FunctionArn"]


def generations(endpoint) -> list[int]:
    items = endpoint.client("dynamodb").scan(TableName="seen", ConsistentRead=True)["Items"]
    return sorted(int(item["n"]["N"]) for item in items)


def roots(endpoint) -> set[str]:
    items = endpoint.client("dynamodb").scan(TableName="seen", ConsistentRead=True)["Items"]
    return {item["trace"]["S"].split(";")[0] for item in items}


def dropped(endpoint, name: str = "looper") -> float:
    now = datetime.now(timezone.utc)
    points = endpoint.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="RecursiveInvocationsDropped",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=5), Period=600, Statistics=["Sum"])
    return sum(p["Sum"] for p in points["Datapoints"])


def wait_until(predicate, timeout_s: float = 60.0):
    return eventually(predicate, timeout_s, poll_s=0.2)


def settled(endpoint, quiet_s: float = 1.5) -> list[int]:
    """The generations recorded once no new invocation has arrived for ``quiet_s``."""
    seen = generations(endpoint)
    while True:
        time.sleep(quiet_s)
        now = generations(endpoint)
        if now == seen:
            return now
        seen = now


def make_queue(endpoint, name: str, **attributes) -> tuple[str, str]:
    sqs = endpoint.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive_one(endpoint, url: str, timeout_s: float = 60.0) -> dict:
    sqs = endpoint.client("sqs")
    return wait_until(lambda: (sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages") or [None])[0],
                      timeout_s)


# -- PutFunctionRecursionConfig / GetFunctionRecursionConfig -----------------------------------------

def test_recursion_config_defaults_to_terminate_and_can_be_set(endpoint):
    deploy(endpoint, "s3")
    lam = endpoint.client("lambda")
    got = lam.get_function_recursion_config(FunctionName="looper")
    assert_shape("GetFunctionRecursionConfig", got)
    assert got["RecursiveLoop"] == "Terminate"
    put = lam.put_function_recursion_config(FunctionName="looper", RecursiveLoop="Allow")
    assert_shape("PutFunctionRecursionConfig", put)
    assert put["RecursiveLoop"] == "Allow"
    arn = lam.get_function(FunctionName="looper")["Configuration"]["FunctionArn"]
    assert lam.get_function_recursion_config(FunctionName=arn)["RecursiveLoop"] == "Allow"


def test_a_recreated_function_starts_again_from_terminate(endpoint):
    deploy(endpoint, "s3")
    lam = endpoint.client("lambda")
    lam.put_function_recursion_config(FunctionName="looper", RecursiveLoop="Allow")
    lam.delete_function(FunctionName="looper")
    deploy(endpoint, "s3")
    assert lam.get_function_recursion_config(FunctionName="looper")["RecursiveLoop"] == "Terminate"


@pytest.mark.parametrize("call", ["get", "put"])
def test_an_unknown_function_is_not_found(endpoint, call):
    lam = endpoint.client("lambda")
    with pytest.raises(ClientError) as raised:
        if call == "get":
            lam.get_function_recursion_config(FunctionName="nobody")
        else:
            lam.put_function_recursion_config(FunctionName="nobody", RecursiveLoop="Allow")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_value_other_than_allow_or_terminate_is_refused(endpoint):
    deploy(endpoint, "s3")
    with pytest.raises(ClientError) as raised:
        endpoint.client("lambda").put_function_recursion_config(FunctionName="looper", RecursiveLoop="Sometimes")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    unchanged = endpoint.client("lambda").get_function_recursion_config(FunctionName="looper")
    assert unchanged["RecursiveLoop"] == "Terminate"


# -- the loops -----------------------------------------------------------------------------------------

def s3_loop(endpoint, **deploy_args) -> None:
    s3 = endpoint.client("s3")
    s3.create_bucket(Bucket="loop-bucket")
    arn = deploy(endpoint, "s3", "loop-bucket", **deploy_args)
    s3.put_bucket_notification_configuration(Bucket="loop-bucket", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="loop-bucket", Key="gen/1", Body=b"x")


def test_an_s3_loop_is_stopped_after_16_invocations(endpoint):
    s3_loop(endpoint)
    wait_until(lambda: dropped(endpoint) >= 1)
    assert settled(endpoint) == list(range(1, 17))
    assert dropped(endpoint) == 1
    assert len(roots(endpoint)) == 1   # one chain of requests: one X-Ray trace from start to end


def test_with_recursive_loop_allow_the_loop_runs_on(endpoint):
    s3_loop(endpoint, stop_after=20)   # the handler's own guard ends it at 20
    endpoint.client("lambda").put_function_recursion_config(FunctionName="looper", RecursiveLoop="Allow")
    wait_until(lambda: generations(endpoint)[-1:] == [20])
    assert settled(endpoint) == list(range(1, 21))
    assert dropped(endpoint) == 0


def test_an_sqs_loop_is_stopped_and_the_message_goes_to_the_queues_dlq(endpoint):
    dlq_url, dlq_arn = make_queue(endpoint, "loop-dlq")
    # The visibility timeout must outlast a cold start on a loaded machine, or a message still being
    # handled comes back and runs twice (as it would on AWS); each stopped receive waits it out.
    url, queue_arn = make_queue(endpoint, "loop", VisibilityTimeout=3,
                                RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    deploy(endpoint, "sqs", url)
    endpoint.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="looper", BatchSize=1)
    endpoint.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    moved = receive_one(endpoint, dlq_url)
    assert json.loads(moved["Body"]) == {"n": 17}
    assert settled(endpoint) == list(range(1, 17))
    # Each receive of the message was stopped again until maxReceiveCount moved it.
    assert dropped(endpoint) == 2


def test_an_sns_loop_is_stopped_and_the_event_goes_to_the_on_failure_destination(endpoint):
    sns = endpoint.client("sns")
    topic = sns.create_topic(Name="loop")["TopicArn"]
    failures_url, failures_arn = make_queue(endpoint, "failures")
    arn = deploy(endpoint, "sns", topic)
    endpoint.client("lambda").put_function_event_invoke_config(
        FunctionName="looper", DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message=json.dumps({"n": 1}))
    record = json.loads(receive_one(endpoint, failures_url)["Body"])
    stopped_event = record["requestPayload"]["Records"][0]["Sns"]
    assert json.loads(stopped_event["Message"]) == {"n": 17}
    assert settled(endpoint) == list(range(1, 17))
    assert dropped(endpoint) == 1


def test_an_asynchronous_lambda_loop_is_stopped_and_the_event_goes_to_the_dead_letter_queue(endpoint):
    dlq_url, dlq_arn = make_queue(endpoint, "looper-dlq")
    deploy(endpoint, "lambda", DeadLetterConfig={"TargetArn": dlq_arn})
    endpoint.client("lambda").invoke(FunctionName="looper", InvocationType="Event", Payload=json.dumps({"n": 1}))
    assert json.loads(receive_one(endpoint, dlq_url)["Body"]) == {"n": 17}
    assert settled(endpoint) == list(range(1, 17))
    assert dropped(endpoint) == 1


def test_each_function_of_a_two_function_loop_is_counted_on_its_own(endpoint):
    # ping -> pong -> ping ...: the 17th invocation of ping is the one stopped, after 16 of each.
    deploy(endpoint, "lambda", "pong", name="ping")
    deploy(endpoint, "lambda", "ping", name="pong")
    endpoint.client("lambda").invoke(FunctionName="ping", InvocationType="Event", Payload=json.dumps({"n": 1}))
    wait_until(lambda: dropped(endpoint, "ping") >= 1)
    assert settled(endpoint) == list(range(1, 33))
    assert (dropped(endpoint, "ping"), dropped(endpoint, "pong")) == (1, 0)


def test_a_loop_through_eventbridge_is_not_detected(endpoint):
    # Lambda detects loops through SQS, S3, SNS and Lambda only.
    arn = deploy(endpoint, "events", stop_after=20)
    events = endpoint.client("events")
    events.put_rule(Name="loop", EventPattern=json.dumps({"source": ["looper"]}))
    events.put_targets(Rule="loop", Targets=[{"Id": "looper", "Arn": arn}])
    events.put_events(Entries=[{"Source": "looper", "DetailType": "next", "Detail": json.dumps({"n": 1})}])
    wait_until(lambda: generations(endpoint)[-1:] == [20])
    assert settled(endpoint) == list(range(1, 21))
    assert dropped(endpoint) == 0


def test_a_synchronous_lambda_loop_is_stopped_with_recursive_invocation_exception():
    # 16 nested synchronous invocations hold 16 environments at once: a lab with room for them.
    with LocalEndpoint(concurrency_limit=20) as endpoint:
        endpoint.client("dynamodb").create_table(
            TableName="seen", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        deploy(endpoint, "lambda-sync", MemorySize=128)
        answer = endpoint.client("lambda").invoke(FunctionName="looper", Payload=json.dumps({"n": 1}))
        assert json.loads(answer["Payload"].read()) == {"n": 16, "stopped_with": "RecursiveInvocationException"}
        assert generations(endpoint) == list(range(1, 17))
        assert dropped(endpoint) == 1
