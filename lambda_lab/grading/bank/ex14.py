"""Exercise 14 (after notebook 15): stop a recursive loop by writing where the trigger does not listen.

``ex14-summaries`` is invoked by S3 for each object created under ``uploads/`` in the bucket
``ex14-notes`` (the exercise's setup cell wires it). For an upload ``uploads/NAME`` it writes a JSON
summary ``{"source": "uploads/NAME", "words": <word count>}``. The starting handler writes it next to
the upload, under ``uploads/``, so each summary invokes the function again until Lambda's recursive
loop detection stops the chain. The checks upload real objects (keys of their own, so checks can run
again), wait until the function has been quiet, and count its invocations in CloudWatch Logs and
its ``RecursiveInvocationsDropped`` metric. A summary may live anywhere outside the trigger's reach:
under another prefix of ``ex14-notes`` or in the bucket ``ex14-results``.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

from ..checks import exercise

ex14 = exercise("ex14", "Stop the loop")
FUNCTION = "ex14-summaries"
BUCKET = "ex14-notes"
RESULTS = "ex14-results"
_QUIET_S = 2.0
_WHERE = ("write the summary where the trigger does not listen: under summaries/ in ex14-notes (the trigger "
          "listens to uploads/ only), or in the bucket ex14-results")


def _reports(ns, since_ms: int) -> int:
    """Invocations of the function that ended after ``since_ms`` (their REPORT lines)."""
    logs = ns.lab.client("logs")
    params = {"logGroupName": f"/aws/lambda/{FUNCTION}", "startTime": since_ms}
    count = 0
    try:
        while True:
            page = logs.filter_log_events(**params)
            count += sum(e["message"].startswith("REPORT RequestId") for e in page["events"])
            if not page.get("nextToken") or not page["events"]:
                return count
            params["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return 0   # never invoked: no log group yet


def _dropped(ns, window_start: datetime) -> int:
    points = ns.lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="RecursiveInvocationsDropped",
        Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}], StartTime=window_start,
        EndTime=window_start + timedelta(hours=2), Period=3600, Statistics=["Sum"])
    return int(sum(p["Sum"] for p in points["Datapoints"]))


def _upload(ns, texts: dict[str, str], *, timeout_s: float = 60) -> tuple[int, int]:
    """Upload each ``key: text``, wait until the function has run and been quiet; (invocations, drops) caused."""
    ns.function(FUNCTION)
    s3 = ns.lab.client("s3")
    window = datetime.now(timezone.utc) - timedelta(hours=1)
    dropped_before = _dropped(ns, window)
    since_ms = int(time.time() * 1000) - 1
    for key, text in texts.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())
    deadline = time.monotonic() + timeout_s
    count, changed = 0, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = _reports(ns, since_ms)
        if now != count:
            count, changed = now, time.monotonic()
        elif count and time.monotonic() - changed >= _QUIET_S:
            break
    else:
        raise AssertionError(f"after {timeout_s:.0f} s, {FUNCTION} was still being invoked ({count} times so far, or "
                             "never): check that the setup cell's trigger ran, and the function's logs")
    return count, _dropped(ns, window) - dropped_before


def _objects(ns, tag: str) -> dict[str, str]:
    """Every object (bucket/key -> body) whose key holds ``tag``, in both buckets."""
    s3 = ns.lab.client("s3")
    found = {}
    for bucket in (BUCKET, RESULTS):
        try:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for page in pages:
                for obj in page.get("Contents", []):
                    if tag in obj["Key"]:
                        found[f"{bucket}/{obj['Key']}"] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        except s3.exceptions.NoSuchBucket:
            continue
    return found


def _summaries_of(ns, key: str, tag: str) -> list[dict]:
    outputs = {where: body for where, body in _objects(ns, tag).items() if where != f"{BUCKET}/{key}"}
    summaries = []
    for where, body in outputs.items():
        try:
            summaries.append({"where": where, **json.loads(body)})
        except (ValueError, TypeError):
            summaries.append({"where": where})
    return summaries


def _explain_runs(key: str, runs: int, drops: int) -> str:
    if runs == 0:
        return (f"uploading {key} did not invoke {FUNCTION}: run the setup cell (the trigger on uploads/) and the "
                "cell that deploys the function, and keep the trigger")
    if drops:
        return (f"one upload of {key} invoked {FUNCTION} {runs} times, then Lambda stopped the next invocation as a "
                f"recursive loop (RecursiveInvocationsDropped rose by {drops}): every summary the handler writes "
                f"lands under uploads/ and triggers it again; {_WHERE}")
    return f"one upload of {key} invoked {FUNCTION} {runs} times; it should run once: {_WHERE}"


@ex14.check(points=2, hint="The trigger listens to ex14-notes/uploads/. Write the summary to summaries/<name>.json "
                           "(or to the bucket ex14-results), never under uploads/.")
def one_upload_one_invocation(ns):
    tag = uuid.uuid4().hex[:6]
    key = f"uploads/check-{tag}.txt"
    runs, drops = _upload(ns, {key: "one two three four"})
    assert runs == 1 and drops == 0, _explain_runs(key, runs, drops)


@ex14.check(points=1, hint='Write json.dumps({"source": key, "words": len(text.split())}) once per upload, '
                           "outside uploads/.")
def writes_one_summary(ns):
    tag = uuid.uuid4().hex[:6]
    key = f"uploads/report-{tag}.txt"
    _upload(ns, {key: "the quick brown fox jumps"})
    summaries = _summaries_of(ns, key, tag)
    assert summaries, (f"after uploading {key}, there is no summary in {BUCKET} or {RESULTS} whose key holds "
                       f"{tag!r}: write one (its key should contain the upload's name)")
    assert len(summaries) == 1, (f"one upload of {key} left {len(summaries)} summaries (e.g. "
                                 f"{min((s['where'] for s in summaries), key=len)}): each summary triggered the "
                                 f"function again; {_WHERE}")
    summary = summaries[0]
    assert summary.get("source") == key and summary.get("words") == 5, (
        f'the summary {summary["where"]} should be {{"source": "{key}", "words": 5}}; it holds '
        f"{ {k: v for k, v in summary.items() if k != 'where'}!r:.150}")


@ex14.check(points=1, hidden=True)
def two_uploads_two_summaries(ns):
    tag = uuid.uuid4().hex[:6]
    texts = {f"uploads/{tag}/a.txt": "alpha", f"uploads/{tag}/b.txt": "beta gamma delta"}
    runs, drops = _upload(ns, texts)
    assert runs == 2 and drops == 0, f"two uploads invoked {FUNCTION} {runs} times (loops stopped: {drops}); {_WHERE}"
    for key, text in texts.items():
        name = key.rsplit("/", 1)[-1]
        found = [s for s in _summaries_of(ns, key, tag) if s.get("source") == key]
        assert len(found) == 1 and found[0].get("words") == len(text.split()), (
            f"uploads in a folder: expected one summary of {key} ({name}) with words {len(text.split())}, "
            f"found {found!r:.200}")


@ex14.check(points=1, hidden=True)
def loop_detection_stays_on(ns):
    setting = ns.lab.client("lambda").get_function_recursion_config(FunctionName=FUNCTION)["RecursiveLoop"]
    assert setting == "Terminate", (f"{FUNCTION}'s RecursiveLoop is {setting}: leave Lambda's loop detection on "
                                    "(Terminate); fixing where the summary goes is enough")
