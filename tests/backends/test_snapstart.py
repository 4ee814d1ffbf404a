"""SnapStart through Lambda's API, in AWS's shapes.

https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html (SnapStart ApplyOn
PublishedVersions; OptimizationStatus On for the versions published with it),
https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html (Python 3.12+; no provisioned
concurrency, no ephemeral storage over 512 MB), https://docs.aws.amazon.com/lambda/latest/dg/snapstart-monitoring.html
(the INIT_REPORT is written when the version is published), botocore's Lambda model (State Failed
with StateReasonCode FunctionError.*, Invoke's SnapStartException).
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from lambda_lab.backends.local import LocalEndpoint
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
MODEL = botocore.session.get_session().get_service_model("lambda")
ON = {"ApplyOn": "PublishedVersions"}
SOURCE = """
import uuid
from snapshot_restore_py import register_after_restore
ID = str(uuid.uuid4())
print("INIT made", ID)
def handler(event, context):
    return {"id": ID}
"""


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint(concurrency_limit=8) as ep:
        yield ep


@pytest.fixture(scope="module")
def lam(endpoint):
    return endpoint.client("lambda")


def create(lam, name: str, source: str = SOURCE, **extra) -> dict:
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                               Code={"ZipFile": make_zip({"app.py": source})}, Timeout=10, **extra)


def valid(operation: str, answer: dict) -> None:
    shape = MODEL.operation_model(operation).output_shape
    report = ParamValidator().validate({k: v for k, v in answer.items() if k in shape.members}, shape)
    assert not report.has_errors(), report.generate_report()


def test_the_setting_and_the_published_versions_status_in_aws_shapes(lam):
    created = create(lam, "snappy", SnapStart=ON)
    assert created["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    published = lam.publish_version(FunctionName="snappy")
    valid("PublishVersion", published)
    assert published["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert published["State"] == "Active"
    version = lam.get_function_configuration(FunctionName="snappy", Qualifier=published["Version"])
    valid("GetFunctionConfiguration", version)
    assert version["SnapStart"]["OptimizationStatus"] == "On"
    assert lam.get_function_configuration(FunctionName="snappy")["SnapStart"]["OptimizationStatus"] == "Off"
    listed = lam.list_versions_by_function(FunctionName="snappy")["Versions"]
    assert [v["SnapStart"]["OptimizationStatus"] for v in listed] == ["Off", "On"]

    # Turned off, later versions are published without a snapshot; the earlier one keeps its own.
    lam.update_function_configuration(FunctionName="snappy", SnapStart={"ApplyOn": "None"})
    lam.get_waiter("function_updated_v2").wait(FunctionName="snappy")
    later = lam.publish_version(FunctionName="snappy", Description="after")
    assert later["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    first = json.loads(lam.invoke(FunctionName="snappy", Qualifier=published["Version"], LogType="Tail")["Payload"].read())
    assert "id" in first


def test_publish_writes_the_snapshots_init_to_cloudwatch_and_restores_say_so(lam, endpoint):
    import base64
    create(lam, "logged", SnapStart=ON)
    version = lam.publish_version(FunctionName="logged")["Version"]
    logs = endpoint.client("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/logged")["logStreams"]
    assert len(streams) == 1 and f"[{version}]" in streams[0]["logStreamName"]   # before any invocation
    lines = [e["message"] for e in logs.get_log_events(logGroupName="/aws/lambda/logged",
                                                       logStreamName=streams[0]["logStreamName"])["events"]]
    assert lines[0].startswith("INIT_START") and any(line.startswith("INIT made") for line in lines)
    assert lines[-1].startswith("INIT_REPORT Init Duration:") and "Status: success" in lines[-1]
    answer = lam.invoke(FunctionName="logged", Qualifier=version, LogType="Tail")
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert "RESTORE_START" in tail and "Billed Restore Duration:" in tail and "INIT_START" not in tail


def test_a_failed_init_leaves_a_failed_version_that_refuses_invocations(lam):
    create(lam, "doomed", "import missing_module_xyz\n", SnapStart=ON)
    published = lam.publish_version(FunctionName="doomed")
    assert published["State"] == "Failed"
    assert published["StateReasonCode"] == "FunctionError.RuntimeInitError"
    assert "missing_module_xyz" in published["StateReason"]
    valid("PublishVersion", published)
    with pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName="doomed", Qualifier=published["Version"])
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"


def test_a_failing_after_restore_hook_is_an_invoke_error(lam):
    source = """
from snapshot_restore_py import register_after_restore
@register_after_restore
def reconnect():
    raise ConnectionError("cache cluster unreachable")
def handler(event, context):
    return "ok"
"""
    create(lam, "hookfail", source, SnapStart=ON)
    version = lam.publish_version(FunctionName="hookfail")["Version"]
    with pytest.raises(ClientError) as failed:
        lam.invoke(FunctionName="hookfail", Qualifier=version)
    assert failed.value.response["Error"]["Code"] == "SnapStartException"
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "cache cluster unreachable" in failed.value.response["Error"]["Message"]


@pytest.mark.parametrize("case", ["nodejs", "python311", "ephemeral", "tenancy", "provisioned", "bad-value"])
def test_what_aws_refuses(lam, case):
    with pytest.raises(ClientError) as refused:
        if case == "nodejs":
            lam.create_function(FunctionName="n", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                                Code={"ZipFile": make_zip({"index.js": "exports.handler=async()=>1"})}, SnapStart=ON)
        elif case == "python311":
            lam.create_function(FunctionName="p", Runtime="python3.11", Role=ROLE, Handler="app.handler",
                                Code={"ZipFile": make_zip({"app.py": SOURCE})}, SnapStart=ON)
        elif case == "ephemeral":
            create(lam, "e", SnapStart=ON, EphemeralStorage={"Size": 1024})
        elif case == "tenancy":
            create(lam, "t", SnapStart=ON, TenancyConfig={"TenantIsolationMode": "PER_TENANT"})
        elif case == "provisioned":
            create(lam, "pc", SnapStart=ON)
            version = lam.publish_version(FunctionName="pc")["Version"]
            lam.put_provisioned_concurrency_config(FunctionName="pc", Qualifier=version,
                                                   ProvisionedConcurrentExecutions=1)
        else:
            create(lam, "b", SnapStart={"ApplyOn": "Always"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "SnapStart" in refused.value.response["Error"]["Message"]
