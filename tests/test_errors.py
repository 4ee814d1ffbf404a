"""One translation of AWS's errors into the lab's (errors.from_client_error): AWS's code is kept, and
the class that mirrors it is raised, so `except ResourceNotFoundError` reads the same everywhere."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lambda_lab import Lab
from lambda_lab.errors import (LambdaLabError, ResourceNotFoundError, SnapStartError, TooManyRequestsError,
                               from_client_error)


def client_error(code: str, message: str, status: int, **extra) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status},
                        **extra}, "Invoke")


@pytest.mark.parametrize("code, status, cls", [
    ("ResourceNotFoundException", 404, ResourceNotFoundError),
    ("TooManyRequestsException", 429, TooManyRequestsError),
    ("SnapStartException", 400, SnapStartError),
    ("KMSAccessDeniedException", 502, LambdaLabError),     # no class of its own: the code is still AWS's
])
def test_aws_codes_become_the_matching_class_and_keep_code_and_status(code, status, cls):
    error = from_client_error(client_error(code, "what AWS said", status, Reason="ReservedFunctionConcurrentInvocationLimitExceeded"),
                              "Could not call 'hello'")
    assert type(error) is cls and error.aws_code == code and error.http_status == status
    assert str(error) == f"Could not call 'hello': {code}: what AWS said"
    if cls is TooManyRequestsError:
        assert error.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_the_lab_raises_them_through_its_own_calls():
    with Lab.local() as lab:
        fn = lab.deploy("present", "def handler(e, c):\n    return 1\n")
        with pytest.raises(ResourceNotFoundError) as missing:
            fn.invoke({}, qualifier="42")
        assert missing.value.aws_code == "ResourceNotFoundException" and "present" in str(missing.value)
