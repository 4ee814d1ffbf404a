"""The worker sees what a Lambda runtime sees: AWS's variables, AWS's context, AWS's sys.path."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_zip, python_function
from lambda_lab.runtime import FunctionConfig

REPORTER = """
import os, sys
def handler(event, context):
    return {
        "env": {k: v for k, v in os.environ.items()},
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
        },
        "cwd": os.getcwd(),
    }
"""


@pytest.fixture
def report(service):
    service.create_function(python_function("reporter", REPORTER, memory_mb=256, timeout_s=7,
                                            environment={"TABLE_NAME": "orders"}))
    result = service.invoke("reporter")
    assert result.error is None, result.error
    return result, result.json()


def test_aws_variables_are_set_as_aws_sets_them(report):
    result, seen = report
    env = seen["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "reporter"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/reporter"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == result.log_stream
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["TZ"] == ":UTC"
    assert env["LAMBDA_TASK_ROOT"] == seen["cwd"]
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["TABLE_NAME"] == "orders"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} <= set(env)
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")


def test_context_is_awss_own_object(report):
    result, seen = report
    context = seen["context"]
    assert context["function_name"] == "reporter"
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == "256"
    assert context["aws_request_id"] == result.request_id
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:reporter"
    assert 0 < context["remaining"] <= 7000


def test_the_labs_own_credentials_do_not_reach_the_handler(report, monkeypatch):
    _, seen = report
    assert seen["env"]["AWS_ACCESS_KEY_ID"].startswith("ASIALAMBDALAB")
    assert "no-aws-credentials" in seen["env"]["AWS_SHARED_CREDENTIALS_FILE"]


def test_a_package_the_lab_has_but_the_zip_lacks_cannot_be_imported(service):
    # psutil is installed in the lab's environment, but not in AWS's Python runtime.
    service.create_function(python_function("leaky", "import psutil\ndef handler(e, c):\n    return 1\n"))
    result = service.invoke("leaky")
    assert result.error["errorType"] == "Runtime.ImportModuleError"
    assert result.error["errorMessage"] == "Unable to import module 'app': No module named 'psutil'"


def test_boto3_is_available_as_in_awss_python_runtime(service):
    service.create_function(python_function("sdk", "import boto3\ndef handler(e, c):\n    return boto3.__version__\n"))
    assert service.invoke("sdk").error is None


def test_layers_are_importable_from_python_directories(service):
    layer = make_zip({"python/greetings.py": "def greet(name):\n    return f'Hello {name}'\n"})
    service.create_function(FunctionConfig("layered", handler="app.handler", layers=(layer,), code=make_zip({
        "app.py": "from greetings import greet\ndef handler(e, c):\n    return greet(e['name'])\n"})))
    assert service.invoke("layered", b'{"name": "Ada"}').json() == "Hello Ada"


def test_packaged_dependencies_in_the_zip_are_importable(service):
    service.create_function(FunctionConfig("vendored", handler="app.handler", code=make_zip({
        "vendor_pkg/__init__.py": "VALUE = 42\n",
        "app.py": "import vendor_pkg\ndef handler(e, c):\n    return vendor_pkg.VALUE\n"})))
    assert service.invoke("vendored").json() == 42
