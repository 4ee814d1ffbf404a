"""External extensions and the Extensions API, as AWS documents them.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html:
- executables in /opt/extensions (from layers) start during INIT with the function's variables,
  register with their file name (``Lambda-Extension-Name``) and get a ``Lambda-Extension-Identifier``
  and the function's name, version and handler;
- INIT ends when the runtime and every extension have asked for their next event;
- each invocation is an INVOKE event (requestId, deadlineMs, invokedFunctionArn, tracing); the
  invoke phase ends when the runtime and every extension have asked for the next event again, so
  an extension's work after the response counts in the Duration;
- at shutdown the runtime gets SIGTERM and registered extensions a SHUTDOWN event, with 2,000 ms
  in all; an extension that reports init/error fails INIT with its error type, and one that exits
  during INIT fails it with Extension.Crash.
"""

from __future__ import annotations

import json
import sys
import time

import psutil
import pytest

from lambda_lab.errors import InvalidParameterValueError
from tests.conftest import make_zip, python_function

# An extension as AWS's samples write one: stdlib only, the Extensions API at AWS_LAMBDA_RUNTIME_API.
RECORDER = f"""#!{sys.executable}
import json, os, sys, time, urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2020-01-01/extension"
NAME = os.path.basename(sys.argv[0])
LOG = os.environ["EXTENSION_LOG"]

def note(**record):
    with open(LOG, "a") as f:
        f.write(json.dumps(record) + "\\n")

time.sleep(float(os.environ.get("REGISTER_AFTER_S", "0")))
if os.environ.get("CRASH_AT_INIT"):
    sys.exit(7)
request = urllib.request.Request(API + "/register", data=json.dumps({{"events": ["INVOKE", "SHUTDOWN"]}}).encode(),
                                 headers={{"Lambda-Extension-Name": NAME}}, method="POST")
with urllib.request.urlopen(request) as answer:
    ident = answer.headers["Lambda-Extension-Identifier"]
    note(kind="registered", name=NAME, answer=json.loads(answer.read()), pid=os.getpid())
if os.environ.get("FAIL_INIT"):
    failed = urllib.request.Request(API + "/init/error", data=b'{{"errorMessage": "no API key"}}', method="POST",
                                    headers={{"Lambda-Extension-Identifier": ident,
                                             "Lambda-Extension-Function-Error-Type": "Extension.ConfigInvalid"}})
    urllib.request.urlopen(failed).read()
    sys.exit(1)
while True:
    next_event = urllib.request.Request(API + "/event/next", headers={{"Lambda-Extension-Identifier": ident}})
    with urllib.request.urlopen(next_event) as answer:
        event = json.loads(answer.read())
    note(kind="event", event=event, at=time.time())
    if event["eventType"] == "SHUTDOWN":
        sys.exit(0)
    print("extension saw", event["requestId"], flush=True)
    time.sleep(float(os.environ.get("AFTER_INVOKE_S", "0")))
"""

HANDLER = """
import os, signal, time

def on_sigterm(signum, frame):
    with open(os.environ["EXTENSION_LOG"], "a") as f:
        f.write('{"kind": "runtime got SIGTERM"}\\n')
    raise SystemExit(0)

signal.signal(signal.SIGTERM, on_sigterm)

def handler(event, context):
    return {"ok": True}
"""

LAYER = make_zip({"extensions/recorder": RECORDER}, modes={"extensions/recorder": 0o755})


def with_extension(service, tmp_path, name="ext", **variables):
    log = tmp_path / "extension.jsonl"
    service.create_function(python_function(name, HANDLER, layers=(LAYER,), timeout_s=5,
                                            environment={"EXTENSION_LOG": str(log), **variables}))
    return log


def records(log, kind=None):
    if not log.exists():
        return []
    found = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [r for r in found if kind is None or r["kind"] == kind]


def test_an_extension_registers_and_sees_every_invocation(service, tmp_path):
    log = with_extension(service, tmp_path)
    first = service.invoke("ext", b"{}")
    second = service.invoke("ext", b"{}")
    assert first.error is None and second.error is None and first.cold and not second.cold
    [registered] = records(log, "registered")
    assert registered["answer"] == {"functionName": "ext", "functionVersion": "$LATEST", "handler": "app.handler"}
    events = [r["event"] for r in records(log, "event")]
    assert [e["requestId"] for e in events] == [first.request_id, second.request_id]
    assert events[0]["eventType"] == "INVOKE" and events[0]["invokedFunctionArn"].endswith(":function:ext")
    assert events[0]["tracing"]["type"] == "X-Amzn-Trace-Id"
    assert abs(events[0]["deadlineMs"] / 1000 - (records(log, "event")[0]["at"] + 5)) < 2
    assert f"extension saw {second.request_id}" in second.logs       # its output is the function's log


def test_init_waits_for_the_extension(service, tmp_path):
    with_extension(service, tmp_path, REGISTER_AFTER_S="0.5")
    result = service.invoke("ext", b"{}")
    assert result.error is None and result.init_ms >= 500


def test_work_after_the_response_counts_in_the_duration(service, tmp_path):
    with_extension(service, tmp_path, AFTER_INVOKE_S="0.4")
    service.invoke("ext", b"{}")
    warm = service.invoke("ext", b"{}")
    assert warm.error is None and warm.duration_ms >= 400      # the handler itself takes ~1 ms
    assert warm.billed_ms >= 400


def test_an_extension_slower_than_the_timeout_times_the_invocation_out(service, tmp_path):
    log = tmp_path / "extension.jsonl"
    service.create_function(python_function("slow-ext", HANDLER, layers=(LAYER,), timeout_s=1,
                                            environment={"EXTENSION_LOG": str(log), "AFTER_INVOKE_S": "3"}))
    service.invoke("slow-ext", b"{}")            # the cold start: the extension works 3 s after it
    late = service.invoke("slow-ext", b"{}")
    assert late.error is not None and late.error["errorType"] == "Sandbox.Timedout"


def test_an_extension_init_error_fails_init_with_its_type(service, tmp_path):
    with_extension(service, tmp_path, FAIL_INIT="1")
    result = service.invoke("ext", b"{}")
    assert result.error["errorType"] == "Extension.ConfigInvalid"
    assert "no API key" in result.error["errorMessage"]


def test_an_extension_that_exits_during_init_is_an_extension_crash(service, tmp_path):
    with_extension(service, tmp_path, CRASH_AT_INIT="1")
    result = service.invoke("ext", b"{}")
    assert result.error["errorType"] == "Extension.Crash"
    assert "recorder" in result.error["errorMessage"]


def test_shutdown_tells_the_extension_and_sigterms_the_runtime(service, tmp_path):
    log = with_extension(service, tmp_path)
    service.invoke("ext", b"{}")
    [registered] = records(log, "registered")
    service.delete_function("ext")
    shutdown = [r["event"] for r in records(log, "event") if r["event"]["eventType"] == "SHUTDOWN"]
    assert len(shutdown) == 1 and shutdown[0]["shutdownReason"] == "spindown"
    assert shutdown[0]["deadlineMs"] / 1000 - time.time() < 2.5
    assert records(log, "runtime got SIGTERM")
    assert not psutil.pid_exists(registered["pid"]) or \
        psutil.Process(registered["pid"]).status() == psutil.STATUS_ZOMBIE   # nothing left behind


def test_the_environment_freezes_its_extensions_too(service, tmp_path):
    log = with_extension(service, tmp_path)
    service.invoke("ext", b"{}")
    [registered] = records(log, "registered")
    deadline = time.monotonic() + 5
    while psutil.Process(registered["pid"]).status() != psutil.STATUS_STOPPED and time.monotonic() < deadline:
        time.sleep(0.02)
    assert psutil.Process(registered["pid"]).status() == psutil.STATUS_STOPPED


def test_snapstart_with_extensions_is_refused_with_a_clear_error(service, tmp_path):
    service.create_function(python_function("snap-ext", HANDLER, layers=(LAYER,), runtime="python3.12",
                                            snap_start=True, environment={"EXTENSION_LOG": str(tmp_path / "x")}))
    with pytest.raises(InvalidParameterValueError, match="external extensions"):
        service.publish_version("snap-ext")


# A telemetry extension as AWS's samples write one: a listener, a subscription, then the event loop.
TELEMETRY = f"""#!{sys.executable}
import http.server, json, os, sys, threading, urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"]
LOG = os.environ["EXTENSION_LOG"]

class Listener(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(LOG, "a") as f:
            for event in batch:
                f.write(json.dumps(event) + "\\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Listener)
threading.Thread(target=server.serve_forever, daemon=True).start()
request = urllib.request.Request(API + "/2020-01-01/extension/register", method="POST",
                                 data=json.dumps({{"events": ["SHUTDOWN"]}}).encode(),
                                 headers={{"Lambda-Extension-Name": os.path.basename(sys.argv[0])}})
with urllib.request.urlopen(request) as answer:
    ident = answer.headers["Lambda-Extension-Identifier"]
subscription = {{"schemaVersion": os.environ.get("SCHEMA", "2022-12-13"), "types": ["platform", "function"],
                "destination": {{"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{{server.server_port}}"}},
                "buffering": {{"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25}}}}
subscribe = urllib.request.Request(API + "/2022-07-01/telemetry", method="PUT", data=json.dumps(subscription).encode(),
                                   headers={{"Lambda-Extension-Identifier": ident}})
try:
    with urllib.request.urlopen(subscribe) as answer:
        print("subscribed:", answer.read().decode(), flush=True)
except urllib.error.HTTPError as refused:
    print("refused:", refused.code, refused.read().decode(), flush=True)
while True:
    nxt = urllib.request.Request(API + "/2020-01-01/extension/event/next", headers={{"Lambda-Extension-Identifier": ident}})
    with urllib.request.urlopen(nxt) as answer:
        if json.loads(answer.read())["eventType"] == "SHUTDOWN":
            sys.exit(0)
"""

PRINTER = "def handler(event, context):\n    print('hello from', context.aws_request_id)\n    return 1\n"
TELEMETRY_LAYER = make_zip({"extensions/telemetry": TELEMETRY}, modes={"extensions/telemetry": 0o755})


def test_a_telemetry_subscriber_gets_each_invocations_events_when_the_environment_next_runs(service, tmp_path):
    log = tmp_path / "telemetry.jsonl"
    service.create_function(python_function("watched", PRINTER, layers=(TELEMETRY_LAYER,),
                                            environment={"EXTENSION_LOG": str(log)}))
    first = service.invoke("watched", b"{}")
    assert "subscribed: OK" in first.logs
    second = service.invoke("watched", b"{}")
    deadline = time.monotonic() + 5
    reports = []
    while time.monotonic() < deadline and not reports:
        events = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        reports = [e for e in events if e["type"] == "platform.report"]
        time.sleep(0.05)
    # The first invocation's events arrive while the second runs: a frozen listener gets nothing.
    assert [r["record"]["requestId"] for r in reports] == [first.request_id]
    types = [e["type"] for e in events]
    assert types[:2] == ["platform.telemetrySubscription", "platform.extension"]
    assert {"platform.initStart", "platform.initRuntimeDone", "platform.initReport", "platform.start",
            "platform.runtimeDone", "platform.report"} <= set(types)
    assert {"type": "function", "record": f"hello from {first.request_id}"} in \
        [{"type": e["type"], "record": e["record"]} for e in events if e["type"] == "function"]
    service.delete_function("watched")             # SHUTDOWN: what is left is delivered
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert second.request_id in [e["record"]["requestId"] for e in events if e["type"] == "platform.report"]


def test_a_subscription_with_an_unknown_schema_is_refused(service, tmp_path):
    service.create_function(python_function("badschema", PRINTER, layers=(TELEMETRY_LAYER,),
                                            environment={"EXTENSION_LOG": str(tmp_path / "t"), "SCHEMA": "2019-01-01"}))
    result = service.invoke("badschema", b"{}")
    assert "refused: 400" in result.logs and "schemaVersion must be one of" in result.logs


def test_an_external_extension_registering_for_no_events_is_told_why(service, tmp_path):
    silent = make_zip({"extensions/silent": f"""#!{sys.executable}
import os, sys, urllib.request, urllib.error
request = urllib.request.Request("http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2020-01-01/extension/register",
                                 method="POST", data=b'{{"events": []}}', headers={{"Lambda-Extension-Name": "silent"}})
try:
    urllib.request.urlopen(request)
except urllib.error.HTTPError as refused:
    print("refused:", refused.code, refused.read().decode(), flush=True)
"""}, modes={"extensions/silent": 0o755})
    service.create_function(python_function("silent", HANDLER, layers=(silent,), environment={"EXTENSION_LOG": str(tmp_path / "x")}))
    result = service.invoke("silent", b"{}")
    assert result.error["errorType"] == "Extension.Crash"      # it exited without registering
    assert "registered for no events" in result.logs
