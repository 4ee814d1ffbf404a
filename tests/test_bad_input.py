"""Bad input to the lab: a clear error that says what to do, and nothing lost or written astray."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest

from lambda_lab import Lab, LambdaLabError
from lambda_lab.errors import InvalidParameterValueError, RequestEntityTooLargeError
from lambda_lab.runtime import FunctionConfig, LambdaService
from tests.conftest import make_zip

OK = "def handler(event, context):\n    return event\n"


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        yield lab


def zip_with(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def symlink(name: str, target: str):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777) << 16
    return info, target


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    entries = []
    for i in range(3):
        info = zipfile.ZipInfo(f"zeros{i}.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        entries.append((info, b"\0" * (100 * 1024 * 1024)))
    bomb = zip_with(entries)
    assert len(bomb) < 2 * 1024 * 1024   # 300 MB of zeros, tiny zipped
    with LambdaService(root=tmp_path) as service:
        with pytest.raises(InvalidParameterValueError, match="more than 250 MB"):
            service.create_function(FunctionConfig("bomb", code=bomb, handler="app.handler"))
    assert not any(p.name.startswith("zeros") for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("entry", [symlink("escape", "../../../../etc/passwd"), symlink("abs", "/etc/passwd")])
def test_a_symlink_pointing_outside_the_package_is_refused(tmp_path, entry):
    code = zip_with([(zipfile.ZipInfo("app.py"), OK), entry])
    with LambdaService(root=tmp_path) as service:
        with pytest.raises(InvalidParameterValueError, match="outside the package"):
            service.create_function(FunctionConfig("links", code=code, handler="app.handler"))
    assert not any(p.is_symlink() for p in tmp_path.rglob("*") if p.name in ("escape", "abs"))


def test_nothing_is_written_outside_the_code_directory_by_a_traversal_entry(tmp_path):
    outside = tmp_path / "outside.txt"
    with LambdaService(root=tmp_path / "lab") as service:
        with pytest.raises(InvalidParameterValueError):
            service.create_function(FunctionConfig("trav", code=make_zip({"app.py": OK, "../../outside.txt": "x"}),
                                                   handler="app.handler"))
    assert not outside.exists()


def test_a_layer_that_does_not_exist_says_so(lab):
    with pytest.raises(LambdaLabError, match="LayerVersion does not exist"):
        lab.deploy("layered", code=OK, handler="app.handler",
                   layers=["arn:aws:lambda:us-east-1:123456789012:layer:missing:1"])


def test_an_event_that_is_not_json_is_refused_with_awss_code(lab):
    fn = lab.deploy("strict", code=OK, handler="app.handler")
    with pytest.raises(LambdaLabError, match="InvalidRequestContentException"):
        fn.invoke(b"{not json")


def test_an_event_over_the_payload_limit_says_where_to_put_large_data(lab):
    fn = lab.deploy("big-in", code=OK, handler="app.handler")
    with pytest.raises(RequestEntityTooLargeError, match="Put large data in S3"):
        fn.invoke({"blob": "x" * (6 * 1024 * 1024)})


def test_an_event_that_cannot_be_serialised_says_what_can(lab):
    fn = lab.deploy("typed", code=OK, handler="app.handler")
    with pytest.raises(LambdaLabError, match="JSON-serialisable"):
        fn.invoke({"when": object()})


def test_deploying_the_same_name_twice_at_once_gives_one_function(lab):
    errors, functions = [], []

    def deploy(text):
        try:
            functions.append(lab.deploy("twice", code=f"def handler(e, c):\n    return {text!r}\n", handler="app.handler"))
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=deploy, args=(text,)) for text in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(functions) == 2
    names = [f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]]
    assert names.count("twice") == 1
    assert functions[0].invoke().payload in ("a", "b")


def test_invoke_async_refuses_a_payload_over_the_asynchronous_limit(lab):
    # InvokeAsync (deprecated, still in botocore's model) takes Event invocations, limited as Invoke's.
    from botocore.exceptions import ClientError

    from lambda_lab.runtime.limits import ASYNC_PAYLOAD_LIMIT
    fn = lab.deploy("async-limit", "def handler(event, context):\n    return 1\n")
    with pytest.raises(ClientError) as raised:
        lab.client("lambda").invoke_async(FunctionName=fn.name, InvokeArgs=b'"' + b"x" * ASYNC_PAYLOAD_LIMIT + b'"')
    assert raised.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert lab.client("lambda").invoke_async(FunctionName=fn.name, InvokeArgs=b"{}")["Status"] == 202
