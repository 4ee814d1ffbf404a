"""An HTTP API's AWS service integrations (integration subtypes), reached over real HTTP.

AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html
"""

from __future__ import annotations


import pytest
import requests

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.backends.local.http_api_integrations import mapped_value

ROLE = "arn:aws:iam::123456789012:role/apigateway"


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint() as ep:
        yield ep


@pytest.fixture(scope="module")
def api(endpoint):
    v2 = endpoint.client("apigatewayv2")
    queue = endpoint.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    endpoint.client("kinesis").create_stream(StreamName="taps", ShardCount=1)
    api_id = v2.create_api(Name="services", ProtocolType="HTTP")["ApiId"]

    def route(key: str, subtype: str, parameters: dict) -> None:
        made = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationSubtype=subtype,
                                     PayloadFormatVersion="1.0", CredentialsArn=ROLE, RequestParameters=parameters)
        v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{made['IntegrationId']}")
    route("POST /jobs", "SQS-SendMessage", {"QueueUrl": queue, "MessageBody": "$request.body",
                                            "DelaySeconds": "0"})
    route("POST /jobs/{kind}", "SQS-SendMessage", {"QueueUrl": queue,
                                                   "MessageBody": "$request.path.kind:$request.body.id"})
    route("POST /taps", "Kinesis-PutRecord", {"StreamName": "taps", "Data": "$request.body",
                                              "PartitionKey": "$request.header.x-user"})
    route("POST /bad", "SQS-SendMessage", {"QueueUrl": queue, "MessageBody": "x", "Colour": "blue"})
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    endpoint.queue = queue
    return endpoint.api_url(api_id)


def test_sqs_send_message_maps_the_body_and_answers_with_the_result(api, endpoint):
    response = requests.post(f"{api}/jobs", data='{"id": 1}', headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and "MessageId" in response.json()
    requests.post(f"{api}/jobs/resize", json={"id": 2})
    bodies = [m["Body"] for m in endpoint.client("sqs").receive_message(
        QueueUrl=endpoint.queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]]
    assert sorted(bodies) == sorted(['{"id": 1}', "resize:2"])


def test_kinesis_put_record_takes_its_partition_key_from_a_header(api, endpoint):
    response = requests.post(f"{api}/taps", data="tap!", headers={"x-user": "u9"})
    assert response.status_code == 200 and response.json()["ShardId"].startswith("shardId-")
    kinesis = endpoint.client("kinesis")
    shard = kinesis.describe_stream(StreamName="taps")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="taps", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [(r["Data"], r["PartitionKey"]) for r in records] == [(b"tap!", "u9")]


def test_a_parameter_the_subtype_does_not_take_is_an_error_that_names_it(api):
    response = requests.post(f"{api}/bad", data="x")
    assert response.status_code == 500 and "has no parameter 'Colour'" in response.json()["message"]


def test_mapping_expressions_select_and_mix_values():
    request = {"body": '{"order": {"id": 7}, "n": 3}', "header": {"X-User": "ann"}, "querystring": {"q": "x"},
               "path": {"kind": "a"}, "context": {"requestId": "r1"}, "stageVariables": {"env": "dev"}}
    assert mapped_value("$request.body", request) == request["body"]
    assert mapped_value("$request.body.order.id", request) == "7"
    assert mapped_value("$request.body.order", request) == '{"id": 7}'
    assert mapped_value("$request.header.x-user/$request.querystring.q/$request.path.kind", request) == "ann/x/a"
    assert mapped_value("id-$context.requestId-$stageVariables.env", request) == "id-r1-dev"
    assert mapped_value("static", request) == "static"
