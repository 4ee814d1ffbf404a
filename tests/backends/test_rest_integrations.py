"""A REST API's MOCK and AWS integrations with mapping templates, reached over real HTTP.

AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
and https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.backends.local.mapping import MappingRequest, json_path, render
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
ECHO = """
def handler(event, context):
    if event.get("name") == "bad":
        raise ValueError("Bad input: name may not be bad")
    if event.get("name") == "worse":
        raise RuntimeError("something else broke")
    return event
"""


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint() as ep:
        ep.echo_arn = ep.client("lambda").create_function(
            FunctionName="echo", Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": ECHO})})["FunctionArn"]
        yield ep


def _method(apigw, api_id, parent, part, method, integration, responses=(), method_responses=("200",)):
    resource = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=method, authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod=method, **integration)
    for status in method_responses:
        apigw.put_method_response(restApiId=api_id, resourceId=resource, httpMethod=method, statusCode=status)
    for response in responses:
        apigw.put_integration_response(restApiId=api_id, resourceId=resource, httpMethod=method, **response)


@pytest.fixture(scope="module")
def api(endpoint):
    apigw = endpoint.client("apigateway")
    api_id = apigw.create_rest_api(name="integrations")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    lambda_uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{endpoint.echo_arn}/invocations"
    _method(apigw, api_id, root, "mock", "GET", {
        "type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}, responses=[{
            "statusCode": "200", "responseTemplates": {"application/json": '{"stage": "$context.stage"}'},
            "responseParameters": {"method.response.header.X-Static": "'yes'"}}])
    _method(apigw, api_id, root, "echo", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": lambda_uri,
        "requestTemplates": {"application/json": '{"name": $input.json(\'$.name\'), "q": "$input.params(\'q\')"}'}},
        responses=[
            {"statusCode": "200", "responseTemplates": {
                "application/json": "#set($r = $input.path('$'))Hi $r.name ($r.q)"}},
            {"statusCode": "400", "selectionPattern": "Bad input.*",
             "responseTemplates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'}}],
        method_responses=("200", "400"))
    _method(apigw, api_id, root, "strict", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": lambda_uri, "passthroughBehavior": "NEVER",
        "requestTemplates": {"application/json": "{}"}}, responses=[{"statusCode": "200"}])
    account = "123456789012"
    queue_url = endpoint.client("sqs").create_queue(QueueName="orders")["QueueUrl"]
    _method(apigw, api_id, root, "queue", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": f"arn:aws:apigateway:us-east-1:sqs:path/{account}/orders",
        "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"}},
        responses=[{"statusCode": "200", "responseTemplates": {"application/json": '{"queued": true}'}}])
    endpoint.client("kinesis").create_stream(StreamName="clicks", ShardCount=1)
    _method(apigw, api_id, root, "clicks", "PUT", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:kinesis:action/PutRecord",
        "requestTemplates": {"application/json": '{"StreamName": "clicks", "PartitionKey": "$input.path(\'$.user\')",'
                                                 ' "Data": "$util.base64Encode($input.body)"}'}},
        responses=[{"statusCode": "200", "responseTemplates": {
            "application/json": '{"shard": "$input.path(\'$.ShardId\')"}'}},
            {"statusCode": "400", "selectionPattern": "4\\d\\d"}], method_responses=("200", "400"))
    endpoint.client("dynamodb").create_table(
        TableName="notes", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    notes = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="notes")["id"]
    _method(apigw, api_id, notes, "{id}", "GET", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem",
        "requestTemplates": {"application/json": '{"TableName": "notes", "Key": {"id": {"S": "$input.params(\'id\')"}}}'}},
        responses=[{"statusCode": "200", "responseTemplates": {
            "application/json": '{"text": "$input.path(\'$.Item.text.S\')"}'}}])
    apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=json.dumps({
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
                                                               "age": {"type": "integer", "minimum": 0}}}))
    validator = apigw.create_request_validator(restApiId=api_id, name="all", validateRequestBody=True,
                                               validateRequestParameters=True)["id"]
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    apigw.put_method(restApiId=api_id, resourceId=pets, httpMethod="POST", authorizationType="NONE",
                     requestValidatorId=validator, requestModels={"application/json": "Pet"},
                     requestParameters={"method.request.querystring.shop": True,
                                        "method.request.header.X-Note": False})
    apigw.put_integration(restApiId=api_id, resourceId=pets, httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(restApiId=api_id, resourceId=pets, httpMethod="POST", statusCode="200",
                                   responseTemplates={"application/json": '{"ok": true}'})
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    endpoint.queue_url = queue_url
    return endpoint.api_url(api_id, "prod")


def test_a_mock_integration_answers_from_its_templates(api):
    response = requests.get(f"{api}/mock")
    assert response.status_code == 200
    assert response.json() == {"stage": "prod"} and response.headers["X-Static"] == "yes"


def test_a_lambda_integration_maps_the_request_and_the_response(api):
    response = requests.post(f"{api}/echo?q=hello", json={"name": "Ann", "extra": "dropped"})
    assert response.status_code == 200 and response.text == "Hi Ann (hello)"


def test_a_function_error_is_chosen_by_its_message_or_else_lands_in_the_default_response(api):
    matched = requests.post(f"{api}/echo", json={"name": "bad"})
    assert matched.status_code == 400 and matched.json() == {"error": "Bad input: name may not be bad"}
    # No selectionPattern matches: API Gateway returns the default response (200) with the error.
    unmatched = requests.post(f"{api}/echo", json={"name": "worse"})
    assert unmatched.status_code == 200 and "Hi" in unmatched.text


def test_passthrough_never_refuses_a_content_type_without_a_template(api):
    response = requests.post(f"{api}/strict", data="a,b", headers={"Content-Type": "text/csv"})
    assert response.status_code == 415 and response.json() == {"message": "Unsupported Media Type"}


def test_an_sqs_integration_sends_the_message(api, endpoint):
    response = requests.post(f"{api}/queue", json={"order": 7, "note": "a & b"})
    assert response.status_code == 200 and response.json() == {"queued": True}
    messages = endpoint.client("sqs").receive_message(QueueUrl=endpoint.queue_url, WaitTimeSeconds=1)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [{"order": 7, "note": "a & b"}]


def test_a_kinesis_integration_puts_the_record(api, endpoint):
    response = requests.put(f"{api}/clicks", json={"user": "u1", "page": "/home"})
    assert response.status_code == 200 and response.json()["shard"].startswith("shardId-")
    kinesis = endpoint.client("kinesis")
    shard = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="clicks", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [json.loads(r["Data"]) for r in records] == [{"user": "u1", "page": "/home"}]
    assert records[0]["PartitionKey"] == "u1"


def test_a_dynamodb_integration_reads_the_item(api, endpoint):
    endpoint.client("dynamodb").put_item(TableName="notes", Item={"id": {"S": "n1"}, "text": {"S": "remember"}})
    response = requests.get(f"{api}/notes/n1")
    assert response.status_code == 200 and response.json() == {"text": "remember"}


def test_request_validation_refuses_before_the_integration_runs(api):
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
    assert requests.post(f"{api}/pets?shop=1", json={"name": "Rex", "age": 3}).json() == {"ok": True}
    missing = requests.post(f"{api}/pets", json={"name": "Rex"})
    assert missing.status_code == 400 and missing.json() == {"message": "Missing required request parameters: [shop]"}
    for bad in ({"age": 3}, {"name": "Rex", "age": -1}, {"name": 7}):
        invalid = requests.post(f"{api}/pets?shop=1", json=bad)
        assert invalid.status_code == 400 and invalid.json() == {"message": "Invalid request body"}, bad


# -- the template language, on the reference's own examples -------------------------------------

def test_input_util_and_context_as_the_reference_describes_them():
    request = MappingRequest(body='{"name": "O\'Neil", "pets": [{"type": "dog"}, {"type": "cat"}]}',
                             path={"id": "7"}, querystring={"q": "x"}, header={"X-Trace": "t"},
                             context={"requestId": "r1", "identity": {"sourceIp": "1.2.3.4"}})
    assert render("$input.json('$.pets[1]')", request) == '{"type": "cat"}'
    assert render("#foreach($p in $input.path('$.pets'))$p.type;#end", request) == "dog;cat;"
    assert render("$input.params('id') $input.params('q') $input.params('x-trace')", request) == "7 x t"
    assert render("$util.escapeJavaScript($input.path('$.name'))", request) == "O\\'Neil"
    assert render("$util.base64Encode('hi') $util.urlEncode('a b&c')", request) == f"{base64.b64encode(b'hi').decode()} a%20b%26c"
    assert render("$context.requestId $context.identity.sourceIp", request) == "r1 1.2.3.4"
    assert json_path({"a": {"b": [1, 2]}}, "$.a.b[1]") == 2 and json_path({"a": 1}, "$.missing") is None
