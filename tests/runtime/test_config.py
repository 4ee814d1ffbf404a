"""Bad configuration is refused with AWS's limits in the message and a hint of what to do."""

from __future__ import annotations

import pytest

from tests.conftest import make_zip, python_function
from lambda_lab.errors import (InvalidParameterValueError, LambdaLabError, ResourceConflictError,
                               ResourceNotFoundError, RuntimeNotAvailableError, ServiceClosedError)
from lambda_lab.runtime import FunctionConfig, LambdaService

OK = "def handler(e, c):\n    return 1\n"


@pytest.mark.parametrize("changes, error, words", [
    ({"memory_mb": 64}, InvalidParameterValueError, "from 128 to 10,240"),
    ({"memory_mb": 10_241}, InvalidParameterValueError, "from 128 to 10,240"),
    ({"timeout_s": 0}, InvalidParameterValueError, "from 1 to 900"),
    ({"timeout_s": 901}, InvalidParameterValueError, "from 1 to 900"),
    ({"name": "has space"}, InvalidParameterValueError, "1-64 letters"),
    ({"name": "x" * 65}, InvalidParameterValueError, "1-64 letters"),
    ({"runtime": "python2.7"}, InvalidParameterValueError, "use one of"),
    ({"runtime": "java21"}, RuntimeNotAvailableError, "real account"),
    ({"environment": {"AWS_REGION": "eu-west-1"}}, InvalidParameterValueError, "Reserved keys used in this request: AWS_REGION"),
    ({"environment": {"BIG": "x" * 5000}}, InvalidParameterValueError, "4 KB"),
    ({"layers": tuple(make_zip({"a": "1"}) for _ in range(6))}, InvalidParameterValueError, "at most 5 layers"),
    ({"code": b"not a zip"}, InvalidParameterValueError, "not a valid zip"),
    ({"code": make_zip({"../evil.py": "x"})}, InvalidParameterValueError, "outside the package"),
    ({"code": make_zip({"/abs.py": "x"})}, InvalidParameterValueError, "outside the package"),
])
def test_bad_configuration_is_refused_with_a_clear_message(service, changes, error, words):
    config = python_function("fn", OK)
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        service.create_function(FunctionConfig(**{**config.__dict__, **changes}))
    assert issubclass(error, LambdaLabError)


def test_creating_a_function_twice_is_a_conflict(service):
    service.create_function(python_function("twice", OK))
    with pytest.raises(ResourceConflictError):
        service.create_function(python_function("twice", OK))


def test_invoking_an_unknown_function_names_its_arn(service):
    with pytest.raises(ResourceNotFoundError, match="arn:aws:lambda:us-east-1:123456789012:function:nope"):
        service.invoke("nope")


def test_a_closed_service_says_so(clock):
    svc = LambdaService(clock=clock)
    svc.close()
    with pytest.raises(ServiceClosedError, match="start a new one"):
        svc.create_function(python_function("late", OK))


def test_a_nodejs_function_without_node_says_what_to_install(service, monkeypatch):
    import shutil
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "node" else real_which(name, *a, **k))
    with pytest.raises(RuntimeNotAvailableError, match=r"needs Node.js, and 'node' is not on PATH. Install Node.js 20"):
        service.create_function(FunctionConfig("js", code=make_zip({"index.js": "exports.handler = async () => 1;"}),
                                               handler="index.handler", runtime="nodejs20.x"))
