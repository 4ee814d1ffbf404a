"""Tenant isolation (TenancyConfig PER_TENANT), as AWS documents it.

https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation.html (environments serve one tenant),
.../tenant-isolation-invoke.html (every invocation names its tenant: X-Amz-Tenant-Id),
.../tenant-isolation-troubleshooting.html (InvalidParameterValueException without / with a stray
tenant id) and https://docs.aws.amazon.com/lambda/latest/api/API_TenancyConfig.html (set at
creation only). Incompatibilities (SnapStart, provisioned concurrency, function URLs, event source
mappings) as CDK's TenancyConfig documents them.
"""

from __future__ import annotations

import json
import time

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from lambda_lab.backends.local import LocalEndpoint
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
SOURCE = """
import logging, os
calls = []   # a module global: shared by the invocations of one environment
logging.getLogger().setLevel(logging.INFO)
def handler(event, context):
    calls.append(event.get("n"))
    logging.getLogger().info("serving %s", context.tenant_id)
    return {"tenant": context.tenant_id, "calls": calls, "pid": os.getpid()}
"""
MODEL = botocore.session.get_session().get_service_model("lambda")
PER_TENANT = {"TenantIsolationMode": "PER_TENANT"}


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint(concurrency_limit=8) as ep:
        yield ep


@pytest.fixture(scope="module")
def lam(endpoint):
    client = endpoint.client("lambda")
    client.create_function(FunctionName="saas", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": make_zip({"app.py": SOURCE})}, Timeout=10, TenancyConfig=PER_TENANT,
                           LoggingConfig={"LogFormat": "JSON"})
    client.create_function(FunctionName="plain", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": make_zip({"app.py": SOURCE})}, Timeout=10)
    return client


def invoke(lam, tenant: str | None, n: int, function: str = "saas") -> dict:
    extra = {"TenantId": tenant} if tenant is not None else {}
    answer = lam.invoke(FunctionName=function, Payload=json.dumps({"n": n}), **extra)
    return json.loads(answer["Payload"].read())


def test_the_setting_is_kept_and_described_in_aws_shapes(lam):
    configuration = lam.get_function_configuration(FunctionName="saas")
    assert configuration["TenancyConfig"] == PER_TENANT
    assert "TenancyConfig" not in lam.get_function_configuration(FunctionName="plain")
    shape = MODEL.operation_model("GetFunctionConfiguration").output_shape
    report = ParamValidator().validate({k: v for k, v in configuration.items() if k in shape.members}, shape)
    assert not report.has_errors(), report.generate_report()
    version = lam.publish_version(FunctionName="saas")["Version"]
    assert lam.get_function_configuration(FunctionName="saas", Qualifier=version)["TenancyConfig"] == PER_TENANT


def test_each_tenant_gets_environments_of_its_own(lam):
    blue_1, green_1, blue_2 = invoke(lam, "blue", 1), invoke(lam, "green", 2), invoke(lam, "blue", 3)
    assert (blue_1["tenant"], green_1["tenant"]) == ("blue", "green")
    assert blue_2["pid"] == blue_1["pid"] != green_1["pid"]          # blue's warm environment, reused
    assert blue_2["calls"][-2:] == [1, 3] and 1 not in green_1["calls"]   # green never saw blue's state


def test_an_invocation_must_name_its_tenant_and_only_then(lam):
    for function, tenant in (("saas", None), ("plain", "blue")):
        with pytest.raises(ClientError) as refused:
            invoke(lam, tenant, 0, function)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as refused:   # also for an asynchronous call, at once
        lam.invoke(FunctionName="saas", InvocationType="Event", Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_an_asynchronous_invocation_runs_in_its_tenants_environment(lam, endpoint):
    lam.invoke(FunctionName="saas", InvocationType="Event", Payload=b'{"n": 9}', TenantId="violet")
    logs = endpoint.client("logs")
    deadline = time.monotonic() + 30
    while True:
        events = [json.loads(e["message"]) for s in logs.describe_log_streams(logGroupName="/aws/lambda/saas")[
            "logStreams"] for e in logs.get_log_events(logGroupName="/aws/lambda/saas",
                                                       logStreamName=s["logStreamName"])["events"]
            if e["message"].startswith("{")]
        # With JSON logs the runtime adds the tenant to each application line (awslambdaric's tenantId).
        served = [e for e in events if e.get("message") == "serving violet"]
        if served or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert served and served[0]["tenantId"] == "violet"


@pytest.mark.parametrize("action", ["url", "provisioned", "mapping"])
def test_what_cannot_name_a_tenant_is_refused(lam, endpoint, action):
    with pytest.raises(ClientError) as refused:
        if action == "url":
            lam.create_function_url_config(FunctionName="saas", AuthType="NONE")
        elif action == "provisioned":
            version = lam.publish_version(FunctionName="saas")["Version"]
            lam.put_provisioned_concurrency_config(FunctionName="saas", Qualifier=version,
                                                   ProvisionedConcurrentExecutions=1)
        else:
            queue = endpoint.client("sqs").create_queue(QueueName="tenant-jobs")["QueueUrl"]
            arn = endpoint.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
            lam.create_event_source_mapping(FunctionName="saas", EventSourceArn=arn)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "tenant isolation" in refused.value.response["Error"]["Message"]


def test_tenant_isolation_with_snapstart_is_refused_at_creation(lam):
    with pytest.raises(ClientError) as refused:
        lam.create_function(FunctionName="snappy", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": make_zip({"app.py": SOURCE})}, TenancyConfig=PER_TENANT,
                            SnapStart={"ApplyOn": "PublishedVersions"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError):
        lam.get_function(FunctionName="snappy")   # nothing was created
