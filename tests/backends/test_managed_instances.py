"""Lambda Managed Instances through Lambda's API, in AWS's shapes (botocore's 2025-11-30 operations).

- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-capacity-providers.html:
  a capacity provider needs a VPC (subnets, security groups) and an operator role; its name is
  unique in the account; one in use by functions cannot be deleted.
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-version-publishing.html:
  $LATEST is not invocable; an unqualified invoke runs $LATEST.PUBLISHED.
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html: a version
  starts MinExecutionEnvironments (3 by default) environments before it is Active.
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-quotas.html: 1,000
  providers per account, 100 function versions per provider.
- Messages seen on AWS: "Lambda Managed Instance functions must have memory size greater than or
  equal to 2048"; "CapacityProviderConfig isn't supported for Lambda Default functions."; "The
  function provided by the arn does not contain a capacity provider configuration".
"""

from __future__ import annotations

import json
import os

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from lambda_lab.backends.local import LocalEndpoint
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
OPERATOR = "arn:aws:iam::123456789012:role/lambda-operator"
MODEL = botocore.session.get_session().get_service_model("lambda")
SOURCE = """
import os
def handler(event, context):
    return {"pid": os.getpid(), "version": context.function_version,
            "concurrency": os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")}
"""


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint(concurrency_limit=8) as ep:
        yield ep


@pytest.fixture(scope="module")
def lam(endpoint):
    return endpoint.client("lambda")


def valid(operation: str, answer: dict) -> None:
    shape = MODEL.operation_model(operation).output_shape
    report = ParamValidator().validate({k: v for k, v in answer.items() if k in shape.members}, shape)
    assert not report.has_errors(), report.generate_report()


def provider(lam, name: str) -> str:
    answer = lam.create_capacity_provider(
        CapacityProviderName=name, VpcConfig={"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"]},
        PermissionsConfig={"CapacityProviderOperatorRoleArn": OPERATOR})
    return answer["CapacityProvider"]["CapacityProviderArn"]


def on_provider(arn: str, workers: int = 2) -> dict:
    return {"LambdaManagedInstancesCapacityProviderConfig": {
        "CapacityProviderArn": arn, "PerExecutionEnvironmentMaxConcurrency": workers}}


def create(lam, name: str, arn: str, **extra) -> dict:
    return lam.create_function(FunctionName=name, Runtime="python3.13", Role=ROLE, Handler="app.handler",
                               Code={"ZipFile": make_zip({"app.py": SOURCE})}, MemorySize=2048,
                               CapacityProviderConfig=on_provider(arn), **extra)


def test_capacity_providers_in_aws_shapes_and_statuses(lam):
    created = lam.create_capacity_provider(
        CapacityProviderName="shapes", VpcConfig={"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": []},
        PermissionsConfig={"CapacityProviderOperatorRoleArn": OPERATOR},
        InstanceRequirements={"Architectures": ["arm64"]})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    valid("CreateCapacityProvider", created)
    arn = created["CapacityProvider"]["CapacityProviderArn"]
    assert arn == "arn:aws:lambda:us-east-1:123456789012:capacity-provider:shapes"
    got = lam.get_capacity_provider(CapacityProviderName="shapes")
    valid("GetCapacityProvider", got)
    assert got["CapacityProvider"]["InstanceRequirements"] == {"Architectures": ["arm64"]}
    assert got == lam.get_capacity_provider(CapacityProviderName=arn) | {"ResponseMetadata": got["ResponseMetadata"]}
    listed = lam.list_capacity_providers()
    valid("ListCapacityProviders", listed)
    assert arn in [p["CapacityProviderArn"] for p in listed["CapacityProviders"]]
    updated = lam.update_capacity_provider(CapacityProviderName="shapes",
                                           CapacityProviderScalingConfig={"MaxVCpuCount": 16})
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert updated["CapacityProvider"]["CapacityProviderScalingConfig"]["MaxVCpuCount"] == 16
    deleted = lam.delete_capacity_provider(CapacityProviderName="shapes")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as missing:
        lam.get_capacity_provider(CapacityProviderName="shapes")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_provider_name_is_unique_in_the_account(lam):
    provider(lam, "unique")
    with pytest.raises(ClientError) as twice:
        provider(lam, "unique")
    assert twice.value.response["Error"]["Code"] == "ResourceConflictException"


def test_a_function_on_a_provider_runs_its_published_versions(lam):
    arn = provider(lam, "runs")
    created = create(lam, "mi-runs", arn)
    valid("CreateFunction", created)
    assert created["CapacityProviderConfig"]["LambdaManagedInstancesCapacityProviderConfig"]["CapacityProviderArn"] == arn
    assert created["State"] == "ActiveNonInvocable"           # $LATEST is never invocable
    assert created["LoggingConfig"]["LogFormat"] == "JSON"    # MI functions always log in JSON
    with pytest.raises(ClientError) as before_publish:
        lam.invoke(FunctionName="mi-runs", Payload=b"{}")
    assert before_publish.value.response["Error"]["Code"] == "NoPublishedVersionException"
    published = lam.publish_version(FunctionName="mi-runs")
    assert published["State"] == "Active"
    with pytest.raises(ClientError) as latest:
        lam.invoke(FunctionName="mi-runs", Qualifier="$LATEST", Payload=b"{}")
    assert latest.value.response["Error"]["Code"] == "InvalidParameterValueException"
    unqualified = lam.invoke(FunctionName="mi-runs", Payload=b"{}")
    body = json.loads(unqualified["Payload"].read())
    assert unqualified["ExecutedVersion"] == published["Version"] == body["version"]
    assert body["concurrency"] == "2"
    by_name = lam.invoke(FunctionName="mi-runs", Qualifier="$LATEST.PUBLISHED", Payload=b"{}")
    assert by_name["ExecutedVersion"] == published["Version"]
    got = lam.get_function_configuration(FunctionName="mi-runs", Qualifier=published["Version"])
    assert got["State"] == "Active" and "CapacityProviderConfig" in got
    versions = lam.list_function_versions_by_capacity_provider(CapacityProviderName="runs")
    valid("ListFunctionVersionsByCapacityProvider", versions)
    assert versions["FunctionVersions"] == [{"FunctionArn": published["FunctionArn"], "State": "Active"}]


def test_a_provider_in_use_cannot_be_deleted(lam):
    arn = provider(lam, "in-use")
    create(lam, "mi-in-use", arn)
    with pytest.raises(ClientError) as refused:
        lam.delete_capacity_provider(CapacityProviderName="in-use")
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"
    lam.delete_function(FunctionName="mi-in-use")
    assert lam.delete_capacity_provider(CapacityProviderName="in-use")["CapacityProvider"]["CapacityProviderArn"] == arn


@pytest.mark.parametrize("change, code, message", [
    ({"MemorySize": 1024}, "InvalidParameterValueException", "greater than or equal to 2048"),
    ({"Runtime": "python3.12"}, "InvalidParameterValueException", "python3.13 or later"),
    ({"CapacityProviderConfig": on_provider("arn:aws:lambda:us-east-1:123456789012:capacity-provider:none")},
     "ResourceNotFoundException", "Capacity provider not found"),
])
def test_aws_refuses_what_a_provider_cannot_run(lam, change, code, message):
    arn = provider(lam, f"refuses-{len(code)}-{len(message)}")
    params = dict(FunctionName="mi-refused", Runtime="python3.13", Role=ROLE, Handler="app.handler",
                  Code={"ZipFile": make_zip({"app.py": SOURCE})}, MemorySize=2048, CapacityProviderConfig=on_provider(arn))
    params.update(change)
    with pytest.raises(ClientError) as refused:
        lam.create_function(**params)
    assert refused.value.response["Error"]["Code"] == code
    assert message in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        lam.get_function(FunctionName="mi-refused")    # nothing was created


def test_a_provider_cannot_be_added_to_a_default_function(lam):
    arn = provider(lam, "not-added")
    lam.create_function(FunctionName="default-fn", Runtime="python3.13", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": SOURCE})}, MemorySize=2048)
    with pytest.raises(ClientError) as refused:
        lam.update_function_configuration(FunctionName="default-fn", CapacityProviderConfig=on_provider(arn))
    assert refused.value.response["Error"]["Message"] == \
        "CapacityProviderConfig isn't supported for Lambda Default functions."
    with pytest.raises(ClientError) as not_managed:
        lam.put_function_scaling_config(FunctionName="default-fn", Qualifier="1",
                                        FunctionScalingConfig={"MinExecutionEnvironments": 1})
    assert not_managed.value.response["Error"]["Code"] in ("InvalidParameterValueException", "ResourceNotFoundException")


def test_scaling_config_starts_and_stops_environments(endpoint, lam):
    arn = provider(lam, "scales")
    create(lam, "mi-scales", arn, Publish=True)
    got = lam.get_function_scaling_config(FunctionName="mi-scales", Qualifier="1")
    valid("GetFunctionScalingConfig", {k: v for k, v in got.items() if k != "FunctionArn"})
    assert got["RequestedFunctionScalingConfig"] == {"MinExecutionEnvironments": 3, "MaxExecutionEnvironments": 3}
    pool = endpoint.service.managed_pool("mi-scales", "1")
    assert len(pool.environments) == 3                   # AWS's default: three environments
    put = lam.put_function_scaling_config(FunctionName="mi-scales", Qualifier="1", FunctionScalingConfig={
        "MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 1})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202 and put["FunctionState"] == "Active"
    assert len(pool.environments) == 1
    got = lam.get_function_scaling_config(FunctionName="mi-scales", Qualifier="$LATEST.PUBLISHED")
    assert got["AppliedFunctionScalingConfig"] == {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 1}
    with pytest.raises(ClientError) as bad:
        lam.put_function_scaling_config(FunctionName="mi-scales", Qualifier="1", FunctionScalingConfig={
            "MinExecutionEnvironments": 2, "MaxExecutionEnvironments": 1})
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_an_init_failure_fails_the_published_version(lam):
    arn = provider(lam, "fails")
    lam.create_function(FunctionName="mi-fails", Runtime="python3.13", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": "raise ValueError('bad config')\n"})}, MemorySize=2048,
                        CapacityProviderConfig=on_provider(arn))
    published = lam.publish_version(FunctionName="mi-fails")
    assert published["State"] == "Failed"
    assert published["StateReasonCode"] == "FunctionError.RuntimeInitError"
    assert "bad config" in published["StateReason"]
    with pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName="mi-fails", Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"


def test_the_aws_cli_speaks_to_it(endpoint):
    import shutil
    import subprocess
    cli = shutil.which("aws")
    if cli is None:
        pytest.skip("the AWS CLI is not installed")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint.url}
    done = subprocess.run([cli, "lambda", "list-capacity-providers", "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "Invalid choice" in done.stderr:
        pytest.skip("this AWS CLI predates Lambda Managed Instances")
    assert done.returncode == 0, done.stderr
    assert "CapacityProviders" in json.loads(done.stdout)
