"""Extensions from the learner API: lab.publish_layer(files={"extensions/...": source}) and a function
using it; an extension's work after the response is billed
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-extensions.html: "You are charged for the
execution time that the extension consumes")."""

from __future__ import annotations

import io
import zipfile

import pytest

from lambda_lab import Lab
from lambda_lab.errors import InvalidParameterValueError
from lambda_lab.packaging import layer_zip

EXTENSION = '''#!/usr/bin/env python3
import json, os, sys, time, urllib.request
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2020-01-01/extension"
register = urllib.request.Request(API + "/register", method="POST", data=b'{"events": ["INVOKE"]}',
                                  headers={"Lambda-Extension-Name": os.path.basename(sys.argv[0])})
ident = urllib.request.urlopen(register).headers["Lambda-Extension-Identifier"]
while True:
    nxt = urllib.request.Request(API + "/event/next", headers={"Lambda-Extension-Identifier": ident})
    event = json.loads(urllib.request.urlopen(nxt).read())
    time.sleep(0.3)                     # e.g. sending the invocation's metrics somewhere
    print("[metrics] sent for", event["requestId"], flush=True)
'''


def test_a_layer_zip_makes_extensions_executable():
    archive = zipfile.ZipFile(io.BytesIO(layer_zip(files={"extensions/metrics": EXTENSION, "python/util.py": "X = 1"})))
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    assert modes == {"extensions/metrics": 0o755, "python/util.py": 0o644}
    with pytest.raises(InvalidParameterValueError):
        layer_zip()


def test_an_extension_from_a_layer_runs_and_its_time_is_billed():
    with Lab.local() as lab:
        arn = lab.publish_layer("metrics", files={"extensions/metrics": EXTENSION})
        fn = lab.deploy("measured", "def handler(event, context):\n    return 'done'\n", layers=[arn])
        fn.invoke({})
        warm = fn.invoke({})
        assert warm.payload == "done"
        assert f"[metrics] sent for {warm.request_id}" in warm.logs
        assert warm.billed_ms >= 300           # the handler takes about a millisecond
        assert arn in lab.teardown()
