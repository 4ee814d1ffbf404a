"""A REST API's resource policy, as API Gateway applies it to an anonymous caller.

AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html and
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.backends.local.resource_policy import denial

PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abc123"
ARN = f"{PREFIX}/prod/GET/pets"


def policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}


def test_without_an_allow_the_caller_is_denied_and_a_deny_wins_over_an_allow():
    facts = {"aws:sourceip": "10.1.2.3"}
    assert denial(policy(ALLOW_ALL), arn=ARN, api_prefix=PREFIX, facts=facts) is None
    only_other_stage = {**ALLOW_ALL, "Resource": "execute-api:/test/*"}
    assert denial(policy(only_other_stage), arn=ARN, api_prefix=PREFIX, facts=facts) == (
        f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}")
    # The documented IP deny list example: allow everyone, deny a range.
    deny_range = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                  "Condition": {"IpAddress": {"aws:SourceIp": ["10.1.0.0/16"]}}}
    assert denial(policy(ALLOW_ALL, deny_range), arn=ARN, api_prefix=PREFIX, facts=facts).endswith(
        "with an explicit deny")
    assert denial(policy(ALLOW_ALL, deny_range), arn=ARN, api_prefix=PREFIX, facts={"aws:sourceip": "192.0.2.1"}) \
        is None


def test_conditions_on_keys_the_request_lacks_follow_iam():
    # The documented "allow only from a VPC endpoint" example: here there is no aws:SourceVpce.
    vpce_only = {**ALLOW_ALL, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
    assert denial(policy(vpce_only), arn=ARN, api_prefix=PREFIX, facts={}) is not None
    deny_not_vpce = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
    assert denial(policy(ALLOW_ALL, deny_not_vpce), arn=ARN, api_prefix=PREFIX, facts={}).endswith("explicit deny")


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint() as ep:
        yield ep


def test_a_time_window_opens_on_the_lab_clock(endpoint):
    now = endpoint.clock.now()
    opens = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 86_400))
    window = {**ALLOW_ALL, "Condition": {"DateGreaterThan": {"aws:CurrentTime": opens}}}
    apigw = endpoint.client("apigateway")
    api_id = apigw.create_rest_api(name="window", policy=policy(window))["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": '{"open": true}'})
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    url = endpoint.api_url(api_id, "prod") + "/"
    closed = requests.get(url)
    assert closed.status_code == 403 and closed.json()["Message"].startswith("User: anonymous is not authorized")
    endpoint.clock.advance(2 * 86_400)
    assert requests.get(url).json() == {"open": True}
