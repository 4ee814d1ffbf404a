"""Response streaming: InvokeWithResponseStream and RESPONSE_STREAM function URLs, as AWS documents them.

https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html (Node.js
streamifyResponse and custom runtimes stream; up to 200 MB; 6 MB uncapped then 2 MB/s),
https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html (PayloadChunk and
InvokeComplete events), https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html
(awslambda.streamifyResponse, HttpResponseStream.from) and
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming
(a custom runtime's streamed /response, errors in trailers).
"""

from __future__ import annotations

import json
import shutil
import time

import pytest
import requests

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.backends.local.event_stream import invoke_complete, payload_chunk
from tests.conftest import make_zip

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
STREAMING = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType('text/plain');
  for (let i = 0; i < 3; i++) {
    responseStream.write(`part ${i}\\n`);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  if (event.fail) throw new Error('broke mid-stream');
  responseStream.end();
});
"""
WEB = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: { 'Content-Type': 'text/html', 'X-Kind': 'streamed' }, cookies: ['a=1'] });
  stream.write('<p>first</p>');
  await new Promise((resolve) => setTimeout(resolve, 400));
  stream.write('<p>second</p>');
  stream.end();
});
"""
BIG = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const megabyte = Buffer.alloc(1024 * 1024, 120);
  for (let i = 0; i < event.megabytes; i++) responseStream.write(megabyte);
  responseStream.end();
});
"""
BUFFERED = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'buffered'}\n"


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint() as ep:
        lam = ep.client("lambda")
        for name, runtime, handler, files in (
                ("streamer", "nodejs22.x", "index.handler", {"index.js": STREAMING}),
                ("web", "nodejs22.x", "index.handler", {"index.js": WEB}),
                ("big", "nodejs22.x", "index.handler", {"index.js": BIG}),
                ("buffered", "python3.12", "app.handler", {"app.py": BUFFERED})):
            lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler, Timeout=10,
                                Code={"ZipFile": make_zip(files)})
        yield ep


def _events(answer) -> list[tuple[float, dict]]:
    started, seen = time.perf_counter(), []
    for event in answer["EventStream"]:
        seen.append((time.perf_counter() - started, event))
    return seen


def test_chunks_reach_the_caller_as_the_function_writes_them(endpoint):
    answer = endpoint.client("lambda").invoke_with_response_stream(FunctionName="streamer", Payload=b"{}")
    assert answer["StatusCode"] == 200 and answer["ResponseStreamContentType"] == "text/plain"
    seen = _events(answer)
    chunks = [(at, e["PayloadChunk"]["Payload"]) for at, e in seen if "PayloadChunk" in e]
    assert [data for _, data in chunks] == [b"part 0\n", b"part 1\n", b"part 2\n"]
    # The first part arrives while the function still sleeps (about 1.2 s in all).
    assert chunks[0][0] < seen[-1][0] - 0.6, seen
    assert seen[-1][1] == {"InvokeComplete": {}}


def test_an_error_mid_stream_ends_it_with_the_error(endpoint):
    answer = endpoint.client("lambda").invoke_with_response_stream(
        FunctionName="streamer", Payload=json.dumps({"fail": True}), LogType="Tail")
    seen = [e for _, e in _events(answer)]
    assert [e["PayloadChunk"]["Payload"] for e in seen if "PayloadChunk" in e] == [b"part 0\n", b"part 1\n",
                                                                                  b"part 2\n"]
    complete = seen[-1]["InvokeComplete"]
    assert (complete["ErrorCode"], complete["ErrorDetails"]) == ("Error", "broke mid-stream")
    assert "broke mid-stream" in __import__("base64").b64decode(complete["LogResult"]).decode()


def test_a_buffered_function_answers_in_one_chunk(endpoint):
    answer = endpoint.client("lambda").invoke_with_response_stream(FunctionName="buffered", Payload=b"{}")
    seen = [e for _, e in _events(answer)]
    assert seen == [{"PayloadChunk": {"Payload": b'{"statusCode": 200, "body": "buffered"}'}}, {"InvokeComplete": {}}]


def test_a_response_stream_function_url_streams_the_body_with_its_metadata(endpoint):
    lam = endpoint.client("lambda")
    url = lam.create_function_url_config(FunctionName="web", AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    assert url["InvokeMode"] == "RESPONSE_STREAM"
    address = endpoint.url + "/_aws/lambda-url/" + url["FunctionUrl"].split("//", 1)[1].split(".", 1)[0] + "/"
    started = time.perf_counter()
    with requests.get(address, stream=True, timeout=30) as response:
        assert response.status_code == 201
        assert response.headers["Content-Type"] == "text/html" and response.headers["X-Kind"] == "streamed"
        assert response.headers["Set-Cookie"] == "a=1"
        pieces = [(time.perf_counter() - started, piece) for piece in response.iter_content(chunk_size=None)]
    assert b"".join(p for _, p in pieces) == b"<p>first</p><p>second</p>"
    assert pieces[0][0] < pieces[-1][0] - 0.2, pieces   # the first part came before the second was written


def test_past_6_mb_a_stream_goes_at_2_mb_per_second(endpoint):
    started = time.perf_counter()
    answer = endpoint.client("lambda").invoke_with_response_stream(FunctionName="big",
                                                                   Payload=json.dumps({"megabytes": 8}))
    received = sum(len(e["PayloadChunk"]["Payload"]) for e in answer["EventStream"] if "PayloadChunk" in e)
    assert received == 8 * 1024 * 1024
    # The 2 MB past the first 6 MB take at least a second (a slower machine only takes longer).
    assert time.perf_counter() - started >= 0.95


def test_the_event_stream_framing_is_what_botocore_reads():
    from botocore.eventstream import EventStreamBuffer
    buffer = EventStreamBuffer()
    buffer.add_data(payload_chunk(b"abc") + invoke_complete(error_code="Unhandled", error_details="x"))
    first, second = list(buffer)
    assert first.headers[":event-type"] == "PayloadChunk" and first.payload == b"abc"
    assert second.headers[":event-type"] == "InvokeComplete"
    assert json.loads(second.payload) == {"ErrorCode": "Unhandled", "ErrorDetails": "x"}

