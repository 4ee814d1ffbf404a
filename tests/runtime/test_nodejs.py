"""The Node.js runtime (lambda_lab/runtime/nodejs/bootstrap.js), end to end through LambdaService.

Each test deploys a tiny handler from an in-memory zip and checks what AWS's nodejs20.x runtime
would give: the payload, the error document, the cold/warm flag and the log lines.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import zipfile

import pytest

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="the nodejs20.x runtime needs 'node' (Node.js 20+) on PATH")

from lambda_lab.runtime import FunctionConfig, LambdaService  # noqa: E402

EVENT = b'{"name": "Ada"}'
_names = itertools.count(1)


def zip_of(files: dict[str, str]) -> bytes:
    """A deployment package holding ``files`` ({path in zip: source text})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def deploy(svc: LambdaService, files: dict[str, str], handler: str = "index.handler",
           runtime: str = "nodejs20.x", timeout_s: int = 3) -> str:
    """Create a function from ``files`` under a fresh name and return the name."""
    name = f"node-fn-{next(_names)}"
    svc.create_function(FunctionConfig(name=name, runtime=runtime, handler=handler, code=zip_of(files),
                                       memory_mb=128, timeout_s=timeout_s, environment={}))
    return name


def run(svc: LambdaService, files: dict[str, str], handler: str = "index.handler", event: bytes = EVENT):
    """Deploy ``files`` and invoke the function once."""
    return svc.invoke(deploy(svc, files, handler), event)


def index_js(source: str) -> dict[str, str]:
    return {"index.js": source}


@pytest.fixture(scope="module")
def svc():
    with LambdaService() as service:
        yield service


# -- results -------------------------------------------------------------------------------

@pytest.mark.parametrize("runtime", ["nodejs20.x", "nodejs22.x"])
def test_async_handler_returns_its_value(svc, runtime):
    name = deploy(svc, index_js(
        "exports.handler = async (event) => ({statusCode: 200, body: `Hello, ${event.name}!`});"), runtime=runtime)
    r = svc.invoke(name, EVENT)
    assert r.error is None and r.function_error is None
    assert json.loads(r.payload) == {"statusCode": 200, "body": "Hello, Ada!"}


@pytest.mark.parametrize("source, expected", [
    pytest.param("exports.handler = (event, context, callback) => callback(null, {hi: event.name});",
                 {"hi": "Ada"}, id="callback"),
    pytest.param("exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve([event.name]), 10));",
                 ["Ada"], id="promise"),
    pytest.param("exports.handler = (event, context) => { context.succeed('legacy succeed'); };",
                 "legacy succeed", id="context.succeed"),
    pytest.param("exports.handler = async () => {};", None, id="undefined-is-null"),
    pytest.param("exports.handler = () => 42;", None, id="sync-without-callback-is-null"),
])
def test_handler_styles(svc, source, expected):
    r = run(svc, index_js(source))
    assert r.error is None
    assert json.loads(r.payload) == expected


@pytest.mark.parametrize("files, handler", [
    pytest.param({"index.mjs": "export const handler = async (event) => ({esm: event.name});"},
                 "index.handler", id="index.mjs"),
    pytest.param({"package.json": '{"type": "module"}',
                  "index.js": "export const handler = async (event) => ({esm: event.name});"},
                 "index.handler", id="type-module-js"),
    pytest.param({"app.cjs": "exports.handler = async (event) => ({esm: event.name});"},
                 "app.handler", id="app.cjs"),
    pytest.param({"src/app.js": "exports.handler = async (event) => ({esm: event.name});"},
                 "src/app.handler", id="subdirectory"),
])
def test_module_kinds_and_paths(svc, files, handler):
    r = run(svc, files, handler)
    assert r.error is None
    assert json.loads(r.payload) == {"esm": "Ada"}


def test_warm_invocation_keeps_module_state(svc):
    name = deploy(svc, index_js("let count = 0;\nexports.handler = async () => ({count: ++count});"))
    first, second = svc.invoke(name, EVENT), svc.invoke(name, EVENT)
    assert (json.loads(first.payload), first.cold) == ({"count": 1}, True)
    assert (json.loads(second.payload), second.cold) == ({"count": 2}, False)


def test_callback_waits_for_empty_event_loop_by_default(svc):
    # As on AWS: the callback's result is sent once the pending timer has run.
    r = run(svc, index_js("exports.handler = (event, context, callback) => {\n"
                          "  setTimeout(() => console.log('timer fired'), 200);\n"
                          "  callback(null, 'done');\n};"))
    assert json.loads(r.payload) == "done"
    assert "timer fired" in r.logs
    assert r.duration_ms >= 150


def test_callback_without_waiting_answers_at_once(svc):
    r = run(svc, index_js("exports.handler = (event, context, callback) => {\n"
                          "  context.callbackWaitsForEmptyEventLoop = false;\n"
                          "  setTimeout(() => console.log('timer fired'), 1000);\n"
                          "  callback(null, 'done');\n};"))
    assert json.loads(r.payload) == "done"
    assert "timer fired" not in r.logs  # the environment froze before the timer ran


# -- context ---------------------------------------------------------------------------------

def test_context_fields(svc):
    name = deploy(svc, index_js(
        "exports.handler = async (event, context) => ({\n"
        "  functionName: context.functionName, functionVersion: context.functionVersion,\n"
        "  memoryLimitInMB: context.memoryLimitInMB, awsRequestId: context.awsRequestId,\n"
        "  invokedFunctionArn: context.invokedFunctionArn, logGroupName: context.logGroupName,\n"
        "  logStreamName: context.logStreamName, waits: context.callbackWaitsForEmptyEventLoop,\n"
        "  remaining: context.getRemainingTimeInMillis(), traceId: process.env._X_AMZN_TRACE_ID,\n"
        "});"))
    r = svc.invoke(name, EVENT)
    context = json.loads(r.payload)
    assert context["functionName"] == name
    assert context["functionVersion"] == "$LATEST"
    assert context["memoryLimitInMB"] == "128"  # a string, as on AWS
    assert context["awsRequestId"] == r.request_id
    assert context["invokedFunctionArn"].endswith(f":function:{name}")
    assert context["logGroupName"] == f"/aws/lambda/{name}"
    assert context["logStreamName"] == r.log_stream
    assert context["waits"] is True
    assert 0 < context["remaining"] <= 3000
    assert context["traceId"].startswith("Root=1-")


# -- logs --------------------------------------------------------------------------------------

def test_console_lines_carry_time_request_id_and_level(svc):
    r = run(svc, index_js(
        "console.log('loading');\n"
        "exports.handler = async (event) => {\n"
        "  console.log('hello from', event.name, {n: 1});\n"
        "  console.warn('careful');\n"
        "  console.error('bad');\n"
        "  return 'ok';\n};"))
    lines = r.logs.splitlines()
    assert any(line.endswith("\tundefined\tINFO\tloading") for line in lines)  # INIT has no request id
    for level, message in [("INFO", "hello from Ada { n: 1 }"), ("WARN", "careful"), ("ERROR", "bad")]:
        [line] = [line for line in lines if line.endswith(f"\t{r.request_id}\t{level}\t{message}")]
        assert line[:4].isdigit() and line.split("\t")[0].endswith("Z")  # an ISO timestamp first


def test_multiline_message_stays_together(svc):
    r = run(svc, index_js("exports.handler = async () => { console.log('one\\ntwo'); return 1; };"))
    assert f"\t{r.request_id}\tINFO\tone\ntwo\n" in r.logs


# -- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, error_type, message", [
    pytest.param("exports.handler = async () => { throw new Error('boom'); };",
                 "Error", "boom", id="Error"),
    pytest.param("class ValidationError extends Error {\n"
                 "  constructor(m) { super(m); this.name = 'ValidationError'; }\n}\n"
                 "exports.handler = async () => { throw new ValidationError('name is required'); };",
                 "ValidationError", "name is required", id="custom-error-class"),
    pytest.param("exports.handler = (event, context, callback) => callback(new TypeError('bad type'));",
                 "TypeError", "bad type", id="callback-error"),
    pytest.param("exports.handler = () => { throw new RangeError('sync throw'); };",
                 "RangeError", "sync throw", id="sync-throw"),
])
def test_handler_error(svc, source, error_type, message):
    r = run(svc, index_js(source))
    assert r.function_error == "Unhandled"
    assert r.error["errorType"] == error_type
    assert r.error["errorMessage"] == message
    assert r.error["trace"][0] == f"{error_type}: {message}"
    assert json.loads(r.payload) == r.error
    assert f"\t{r.request_id}\tERROR\tInvoke Error \t" in r.logs


def test_thrown_string_is_reported_like_aws(svc):
    r = run(svc, index_js("exports.handler = async () => { throw 'plain string'; };"))
    assert r.error == {"errorType": "string", "errorMessage": "plain string", "trace": []}


@pytest.mark.parametrize("result", ["(() => { const o = {}; o.self = o; return o; })()", "({n: 1n})"],
                         ids=["circular", "bigint"])
def test_unserialisable_result_is_a_marshal_error(svc, result):
    r = run(svc, index_js(f"exports.handler = async () => {result};"))
    assert r.function_error == "Unhandled"
    assert r.error["errorType"] == "Runtime.MarshalError"


def test_environment_survives_a_handler_error(svc):
    name = deploy(svc, index_js("let n = 0;\nexports.handler = async (event) => {\n"
                                "  n += 1;\n  if (event.fail) throw new Error('asked to');\n  return n;\n};"))
    assert svc.invoke(name, b'{"fail": true}').error["errorMessage"] == "asked to"
    r = svc.invoke(name, b"{}")
    assert (json.loads(r.payload), r.cold) == (2, False)


def test_uncaught_exception_is_logged_before_the_runtime_exits(svc):
    r = run(svc, index_js("exports.handler = (event, context, callback) => {\n"
                          "  setTimeout(() => { throw new RangeError('late'); }, 10);\n};"))
    assert r.function_error == "Unhandled"
    # The runtime posted the error before exiting: that error is the invocation's answer.
    assert r.error["errorType"] == "RangeError"
    assert f"\t{r.request_id}\tERROR\tUncaught Exception \t" in r.logs


# -- init errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("files, handler, error_type, message_start", [
    pytest.param({"other.js": "exports.handler = async () => 1;"}, "index.handler",
                 "Runtime.ImportModuleError", "Error: Cannot find module 'index'\nRequire stack:\n- ",
                 id="module-not-found"),
    pytest.param({"index.js": "exports.other = async () => 1;"}, "index.handler",
                 "Runtime.HandlerNotFound", "index.handler is undefined or not exported", id="not-exported"),
    pytest.param({"index.js": "exports.handler = async () => 1;"}, "index",
                 "Runtime.MalformedHandlerName", "Bad handler", id="no-dot"),
    pytest.param({"index.js": "exports.handler = async () => {\n  return {;\n};"}, "index.handler",
                 "Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected token", id="syntax-error"),
    pytest.param({"index.mjs": "export const handler = async () => {\n  return {;\n};"}, "index.handler",
                 "Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected token", id="syntax-error-esm"),
    pytest.param({"index.js": "class ConfigError extends Error { get name() { return 'ConfigError'; } }\n"
                              "throw new ConfigError('TABLE_NAME is not set');"}, "index.handler",
                 "ConfigError", "TABLE_NAME is not set", id="top-level-throw"),
])
def test_init_error(svc, files, handler, error_type, message_start):
    r = run(svc, files, handler)
    assert r.function_error == "Unhandled"
    assert r.error["errorType"] == error_type
    assert r.error["errorMessage"].startswith(message_start)
    assert isinstance(r.error["trace"], list)
    assert "\tundefined\tERROR\tUncaught Exception \t" in r.logs  # logged during INIT, as on AWS
