"""API Gateway (REST payload 1.0, HTTP API payload 2.0) and function URLs, reached over real HTTP."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from lambda_lab.backends.local import LocalEndpoint
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
WEB = """
import base64, json
def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "crash":
        raise RuntimeError("boom")
    if mode == "invalid":
        return {"statusCode": "not a number", "body": 42}
    if mode == "binary":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
                "body": base64.b64encode(b"\\x89PNG\\x00\\x01").decode()}
    if mode == "cors":
        return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "https://evil.example"}, "body": "ok"}
    if mode == "plain":
        return {"hello": "v2 takes any JSON"}
    return {"statusCode": 201, "headers": {"X-Seen": event.get("version", "1.0")},
            "cookies": ["a=1"], "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint() as ep:
        arn = ep.client("lambda").create_function(
            FunctionName="web", Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": WEB})})["FunctionArn"]
        ep.web_arn = arn
        yield ep


@pytest.fixture(scope="module")
def rest_url(endpoint):
    apigw = endpoint.client("apigateway")
    api_id = apigw.create_rest_api(name="shop")["id"]
    root = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")["id"]
    orders = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    order = apigw.create_resource(restApiId=api_id, parentId=orders, pathPart="{id}")["id"]
    for resource in (orders, order):
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="ANY", authorizationType="NONE")
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="ANY", type="AWS_PROXY",
                              integrationHttpMethod="POST",
                              uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{endpoint.web_arn}/invocations")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return endpoint.api_url(api_id, "prod")


@pytest.fixture(scope="module")
def http_url(endpoint):
    v2 = endpoint.client("apigatewayv2")
    api_id = v2.create_api(Name="shop-http", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=endpoint.web_arn,
                                        PayloadFormatVersion="2.0")["IntegrationId"]
    v2.create_route(ApiId=api_id, RouteKey="GET /hello/{name}", Target=f"integrations/{integration}")
    v2.create_route(ApiId=api_id, RouteKey="POST /upload", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return endpoint.api_url(api_id)


def test_rest_api_proxy_passes_a_format_1_event_and_maps_the_response(rest_url):
    response = requests.get(f"{rest_url}/orders/42?expand=items&expand=total", headers={"X-Trace": "t1"})
    assert response.status_code == 201
    event = response.json()
    assert event["resource"] == "/orders/{id}" and event["path"] == "/orders/42"
    assert event["httpMethod"] == "GET" and event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"expand": "total"}
    assert event["multiValueQueryStringParameters"] == {"expand": ["items", "total"]}
    assert event["headers"]["X-Trace"] == "t1" and event["requestContext"]["stage"] == "prod"
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_rest_api_posts_a_json_body(rest_url):
    response = requests.post(f"{rest_url}/orders", json={"sku": "A1"})
    event = response.json()
    assert json.loads(event["body"]) == {"sku": "A1"} and event["httpMethod"] == "POST"
    assert event["pathParameters"] is None


@pytest.mark.parametrize("mode", ["crash", "invalid"])
def test_a_handler_error_or_invalid_response_is_a_502(rest_url, mode):
    response = requests.get(f"{rest_url}/orders?mode={mode}")
    assert response.status_code == 502 and response.json() == {"message": "Internal server error"}


def test_base64_responses_are_decoded_to_binary(rest_url):
    response = requests.get(f"{rest_url}/orders?mode=binary")
    assert response.status_code == 200 and response.content == b"\x89PNG\x00\x01"
    assert response.headers["Content-Type"] == "image/png"


def test_unknown_routes_and_stages_answer_as_api_gateway_does(rest_url):
    assert requests.get(f"{rest_url}/nowhere").json() == {"message": "Missing Authentication Token"}
    assert requests.get(rest_url.rsplit("/", 1)[0] + "/staging/orders").status_code == 403


def test_http_api_passes_a_format_2_event(http_url):
    response = requests.get(f"{http_url}/hello/ada?x=1", cookies={"session": "s1"})
    assert response.status_code == 201 and response.headers["X-Seen"] == "2.0"
    assert response.headers["Set-Cookie"] == "a=1"
    event = response.json()
    assert event["routeKey"] == "GET /hello/{name}" and event["rawPath"] == "/hello/ada"
    assert event["pathParameters"] == {"name": "ada"} and event["rawQueryString"] == "x=1"
    assert event["cookies"] == ["session=s1"] and event["requestContext"]["http"]["method"] == "GET"


def test_http_api_carries_binary_bodies_as_base64(http_url):
    event = requests.post(f"{http_url}/upload", data=b"\x00\xffbinary",
                          headers={"Content-Type": "application/octet-stream"}).json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xffbinary"


def test_http_api_format_2_accepts_any_json_as_a_200(http_url):
    response = requests.get(f"{http_url}/hello/ada?mode=plain")
    assert response.status_code == 200 and response.json() == {"hello": "v2 takes any JSON"}


def test_function_urls_answer_http(endpoint):
    aws_url = endpoint.client("lambda").create_function_url_config(FunctionName="web", AuthType="NONE")["FunctionUrl"]
    response = requests.put(endpoint.function_url(aws_url) + "items/7?q=1", data="hi", headers={"Content-Type": "text/plain"})
    event = response.json()
    assert event["version"] == "2.0" and event["routeKey"] == "$default" and event["rawPath"] == "/items/7"
    assert event["body"] == "hi" and event["requestContext"]["domainName"].endswith(".lambda-url.us-east-1.on.aws")


@pytest.fixture(scope="module")
def cors_url(endpoint):
    v2 = endpoint.client("apigatewayv2")
    api_id = v2.create_api(Name="shop-cors", ProtocolType="HTTP", CorsConfiguration={
        "AllowOrigins": ["https://shop.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["authorization"],
        "ExposeHeaders": ["x-seen"], "MaxAge": 300, "AllowCredentials": True})["ApiId"]
    integration = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=endpoint.web_arn,
                                        PayloadFormatVersion="2.0")["IntegrationId"]
    v2.create_route(ApiId=api_id, RouteKey="GET /items", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return endpoint.api_url(api_id)


def test_an_http_api_with_cors_answers_preflights_itself(cors_url):
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html: API Gateway
    # answers preflight OPTIONS requests even without an OPTIONS route.
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"}
    response = requests.options(f"{cors_url}/items", headers=preflight)
    assert response.status_code == 204 and response.content == b""
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert response.headers["Access-Control-Allow-Headers"] == "authorization"
    assert response.headers["Access-Control-Max-Age"] == "300"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    stranger = requests.options(f"{cors_url}/items", headers={**preflight, "Origin": "https://other.example"})
    assert not [h for h in stranger.headers if h.lower().startswith("access-control-")]
    # Without Access-Control-Request-Method it is a plain OPTIONS request: no route, 404.
    assert requests.options(f"{cors_url}/items", headers={"Origin": "https://shop.example"}).status_code == 404


def test_an_http_api_with_cors_puts_its_headers_on_responses_and_drops_the_integrations(cors_url):
    response = requests.get(f"{cors_url}/items?mode=cors", headers={"Origin": "https://shop.example"})
    assert response.status_code == 200 and response.text == "ok"
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"   # not the handler's
    assert response.headers["Access-Control-Expose-Headers"] == "x-seen"
    without_origin = requests.get(f"{cors_url}/items?mode=cors")
    assert "Access-Control-Allow-Origin" not in without_origin.headers
