"""Every way a handler can fail gives AWS's error type and wording, as data, never an exception."""

from __future__ import annotations

import pytest

from tests.conftest import make_zip, python_function
from lambda_lab.runtime import FunctionConfig


def test_unhandled_exception_gives_awss_error_document(service):
    service.create_function(python_function("boom", """
    def handler(event, context):
        raise ValueError("bad order id")
    """))
    result = service.invoke("boom")
    assert result.function_error == "Unhandled"
    assert set(result.error) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert result.error["errorType"] == "ValueError"
    assert result.error["errorMessage"] == "bad order id"
    assert result.error["requestId"] == result.request_id
    assert any("raise ValueError" in line for line in result.error["stackTrace"])
    assert "[ERROR] ValueError: bad order id" in result.logs
    # The environment survives a handled error: the next call is warm.
    assert service.invoke("boom").cold is False


@pytest.mark.parametrize("files, handler, error_type, message", [
    ({"app.py": "import requests\ndef handler(e, c):\n    return 1\n"}, "app.handler",
     "Runtime.ImportModuleError", "Unable to import module 'app': No module named 'requests'"),
    ({"app.py": "def handler(e, c):\n    return 1\n"}, "app.missing",
     "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"),
    ({"app.py": "def handler(e, c)\n    return 1\n"}, "app.handler",
     "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': "),
    ({"app.py": "def handler(e, c):\n    return 1\n"}, "app",
     "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
    ({"other.py": "x = 1\n"}, "app.handler",
     "Runtime.ImportModuleError", "Unable to import module 'app': No module named 'app'"),
])
def test_init_failures_give_awss_error_types(service, files, handler, error_type, message):
    service.create_function(FunctionConfig("broken", code=make_zip(files), handler=handler))
    result = service.invoke("broken")
    assert result.function_error == "Unhandled"
    assert result.error["errorType"] == error_type
    assert result.error["errorMessage"].startswith(message)
    assert result.cold is True
    assert "INIT_REPORT" in result.logs and f"Error Type: {error_type}" in result.logs
    assert service.environments("broken") == []  # nothing left running


def test_a_non_json_serialisable_return_is_a_marshal_error(service):
    service.create_function(python_function("marshal", "def handler(e, c):\n    return object()\n"))
    result = service.invoke("marshal")
    assert result.error["errorType"] == "Runtime.MarshalError"
    assert result.error["errorMessage"].startswith("Unable to marshal response")


@pytest.mark.parametrize("body, expected", [
    ("import os\n    os._exit(1)", "Runtime exited with error: exit status 1"),
    ("import sys\n    sys.exit(0)", "Runtime exited without providing a reason"),
    ("import ctypes\n    ctypes.string_at(0)", "Runtime exited with error: signal: segmentation fault"),
])
def test_a_runtime_that_dies_gives_runtime_exit_error_and_a_cold_next_call(service, body, expected):
    service.create_function(python_function("dies", f"def handler(e, c):\n    {body}\n", timeout_s=5))
    result = service.invoke("dies")
    assert result.error["errorType"] == "Runtime.ExitError"
    assert result.error["errorMessage"] == f"RequestId: {result.request_id} Error: {expected}"
    assert "Status: error" in result.logs and "Error Type: Runtime.ExitError" in result.logs
    service.update_function("dies", code=make_zip({"app.py": "def handler(e, c):\n    return 'ok'\n"}))
    after = service.invoke("dies")
    assert after.json() == "ok" and after.cold is True


def test_a_response_over_6_mb_is_function_response_size_too_large(service):
    service.create_function(python_function("big", "def handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n",
                                            memory_mb=512))
    result = service.invoke("big")
    assert result.error["errorType"] == "Function.ResponseSizeTooLarge"


def test_output_written_just_before_a_timeout_is_kept_in_the_logs(service):
    service.create_function(python_function("last-words", """
    import time
    def handler(e, c):
        print("about to hang")
        time.sleep(10)
    """, timeout_s=1))
    result = service.invoke("last-words")
    assert "about to hang" in result.logs
    assert result.logs.index("about to hang") < result.logs.index("Task timed out")
