"""Exercise 17 (after notebook 15): make a handler written for one request at a time safe on Managed Instances.

``ex17-reports`` answers ``{"customer": C, "orders": [cents, ...]}`` with ``{"customer": C, "report":
"<CSV>"}``: one row per order, ``customer,order,usd_cents,eur_cents``. The starting handler writes
every report to ``/tmp/report.csv``, "uploads" it (0.2 s) and reads it back; the environment's
first request downloads the exchange rates to ``/tmp/rates.json`` (0.3 s, in pieces) for the others.
On Lambda Managed Instances the workers of one environment run requests side by side and share
``/tmp``: concurrent requests overwrite each other's report.csv, and a request that finds rates.json
while the first one is still writing it reads half a file.

The checks deploy the learner's ``SOURCE`` to a function of their own on the capacity provider
(``max_concurrency=4``), publish it, scale it to one environment (four workers, one ``/tmp``) and
send bursts of reports for customers whose names are made for the run: four requests 0.05 s apart to
the new environment (while the first downloads the rates), then twice four at the same moment. A
module beside the learner's (``ex17_probe.py``) serves the requests through ``app.handler``; asked, it
answers with its process id (the checks wait until four workers answer side by side before they
measure) or lists what is left in the environment's temporary directory. The learner's own
``ex17-reports`` must stay on the capacity provider with more than one request per environment.
"""

from __future__ import annotations

import contextlib
import csv
import io
import threading
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ...errors import LambdaLabError
from ..checks import Fail, exercise

ex17 = exercise("ex17", "Make a handler safe for multi-concurrency")
FUNCTION = "ex17-reports"
_CONCURRENCY = 4          # workers in the checks' one environment: each burst fills them all
_GAP_S = 0.05             # the first burst: four requests within 0.15 s, while the first downloads (0.3 s)
_EUR = 0.92               # the rate download_rates() serves
_ORDERS = ([1250, 399], [80], [2000, 150, 999], [45, 45, 45, 45])
_OWN_FILE = ("give each request a file of its own: name it after the request "
             '(f"report-{context.aws_request_id}.csv") or make it with tempfile.mkstemp(dir=SCRATCH)')

# The checks' function runs the learner's app.py through this module. The probe reads the
# environment's temporary directory from inside (tempfile.gettempdir(), as the handler does), which
# is where it is on AWS too; the lab's own folder for it is an implementation detail.
_PROBE = '''
import os
import tempfile
import time

import app


def handler(event, context):
    if event.get("ex17_probe") == "pid":
        time.sleep(event["hold_s"])
        return os.getpid()
    if event.get("ex17_probe") != "tmp":
        return app.handler(event, context)
    root, files, reports = tempfile.gettempdir(), [], []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            files.append(os.path.relpath(path, root))
            try:
                with open(path, "rb") as f:
                    head = f.read(65536).decode("utf-8", errors="replace")
            except OSError:
                continue
            if any(customer in head for customer in event["look_for"]):
                reports.append(os.path.relpath(path, root))
    return {"files": sorted(files), "reports": sorted(reports)}
'''


def _request(customer: str, orders: list[int]) -> dict:
    return {"customer": customer, "orders": list(orders)}


def _send(fn, events: list[dict], *, gap_s: float = 0.0, qualifier: str | None = None) -> list:
    """Every event at once (or ``gap_s`` apart), one thread each; the answers, in order."""
    start = threading.Barrier(len(events))

    def send(k: int):
        start.wait()
        time.sleep(k * gap_s)
        try:
            return fn.invoke(events[k], qualifier=qualifier)
        except LambdaLabError as refused:
            raise Fail(f"a report request was refused: {str(refused)[:400]}") from None
    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        return list(pool.map(send, range(len(events))))


def _rows(answer) -> list[list[str]] | None:
    """The data rows of an answer's report (its header left out), or None when it is not a report."""
    payload = answer.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("report"), str):
        return None
    return [row for row in csv.reader(io.StringIO(payload["report"])) if row][1:]


def _expected(event: dict) -> list[list[str]]:
    return [[event["customer"], str(n), str(cents), str(round(cents * _EUR))]
            for n, cents in enumerate(event["orders"], start=1)]


def _failure(answer, event: dict) -> str | None:
    """What went wrong with one answer, in words for the learner; None when it is that request's own report."""
    who = event["customer"]
    if answer.throttled:
        return (f"the request for {who} was throttled: every worker was busy. Run the check again; if it "
                "keeps happening, is a request still running (a handler stuck past its timeout)?")
    if answer.error is not None:
        kind, message = answer.error.get("errorType", "Error"), str(answer.error.get("errorMessage", ""))[:200]
        if kind == "JSONDecodeError":
            return (f"the request for {who} failed reading the rates: {kind}: {message}. Another request was "
                    "still writing rates.json when this one found it and read it, half written")
        if kind == "FileNotFoundError":
            return (f"the request for {who} failed: {kind}: {message}. A file it had written was gone when it "
                    "read it back: a request running at the same time removed or replaced it")
        return f"the request for {who} failed: {kind}: {message}"
    rows = _rows(answer)
    if rows is None:
        return (f'answer {{"customer": ..., "report": "<the CSV>"}}; the request for {who} was answered '
                f"{answer.payload!r:.150}")
    if rows == _expected(event):
        return None
    owners = sorted({row[0] for row in rows if row})
    if owners and owners != [who]:
        return f"the request for {who} got the report of {', '.join(owners)}"
    return (f"the request for {who} with orders {event['orders']} got the rows {rows!r:.200}, not one row per "
            "order (customer, order number, cents, euro cents)")


def _delete(ns, name: str) -> None:
    lam = ns.lab.client("lambda")
    with contextlib.suppress(lam.exceptions.ResourceNotFoundException):   # never created: nothing to delete
        lam.delete_function(FunctionName=name)


@dataclass
class _Measurement:
    """The checks' own function running the learner's SOURCE, and what its bursts answered."""

    function: str
    source: str
    fn: object = None
    run: str = ""
    first: list = field(default_factory=list)      # (event, answer): a new environment, 0.05 s apart
    warm: list = field(default_factory=list)       # (event, answer): twice four at once
    left: dict = field(default_factory=dict)       # what /tmp held after the first two bursts, after the third
    customers: list[str] = field(default_factory=list)
    shared: list | None = None                     # (event, answer): four reports for one customer at once

    def burst(self, events: list[dict], *, gap_s: float = 0.0) -> list:
        self.customers += [e["customer"] for e in events if e["customer"] not in self.customers]
        return list(zip(events, _send(self.fn, events, gap_s=gap_s)))

    def tmp(self) -> dict:
        answer = self.fn.invoke({"ex17_probe": "tmp", "look_for": self.customers})
        if answer.error is not None or not isinstance(answer.payload, dict):
            raise Fail(f"could not list the temporary directory: {answer.error or answer.payload!r:.300}")
        return answer.payload


# One measurement per lab and SOURCE, shared by the checks that read it: deploying, publishing and
# three bursts take seconds, and the checks ask different questions of the same answers. A changed
# SOURCE is measured again; a failed measurement is not kept.
_MEASURED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _measure(ns, measurement: _Measurement) -> None:
    lab = ns.lab
    fn = lab.deploy(measurement.function, code=_PROBE, handler="ex17_probe.handler", files={"app.py": measurement.source},
                    capacity_provider=lab.capacity_provider(), max_concurrency=_CONCURRENCY, timeout_s=10)
    try:
        fn.publish_version()
    except LambdaLabError as failed:
        raise Fail(f"publishing your SOURCE on the capacity provider failed, so its INIT does: {str(failed)[:400]}") from None
    fn.set_scaling(1)          # one environment: its four workers share one /tmp, as on AWS
    _wait_for_every_worker(fn)
    measurement.fn = fn
    run = measurement.run = uuid.uuid4().hex[:4]
    events = [[_request(f"cust-{run}-{b}{k}", orders) for k, orders in enumerate(_ORDERS)] for b in "abc"]
    measurement.first = measurement.burst(events[0], gap_s=_GAP_S)
    measurement.warm = measurement.burst(events[1])
    measurement.left["after 8"] = measurement.tmp()
    measurement.warm += measurement.burst(events[2])
    measurement.left["after 12"] = measurement.tmp()


def _wait_for_every_worker(fn, *, hold_s: float = 0.1, within_s: float = 30.0) -> None:
    """Return once the environment's four workers serve four requests side by side.

    An environment takes requests as soon as one worker has finished INIT; the others may still be
    starting (on a busy machine, for a second or more), and requests wait for a free one. Bursts
    sent then would run one after the other and hide the very collisions the checks look for.
    """
    probes = [{"ex17_probe": "pid", "hold_s": hold_s}] * _CONCURRENCY
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        answers = _send(fn, probes)
        if len({a.payload for a in answers if a.ok}) == _CONCURRENCY:
            return
        time.sleep(hold_s)
    raise Fail(f"could not measure: after {within_s:.0f} s the environment's {_CONCURRENCY} workers still did not "
               "serve four requests at once (a very busy machine?); run the check again")


def _measured(ns) -> _Measurement:
    source = ns.get("SOURCE", str)
    lab = ns.lab
    found = _MEASURED.get(lab)
    if found is not None and found.source == source:
        return found
    if found is not None:
        _delete(ns, found.function)
        del _MEASURED[lab]
    measurement = _Measurement(f"ex17-check-{uuid.uuid4().hex[:6]}", source)
    try:
        _measure(ns, measurement)
    except BaseException:
        _delete(ns, measurement.function)
        raise
    _MEASURED[lab] = measurement
    return measurement


def _wrong(pairs) -> list[str]:
    return [problem for event, answer in pairs if (problem := _failure(answer, event)) is not None]


@ex17.check(points=1, hint=f'Deploy with lab.deploy("{FUNCTION}", code=SOURCE, capacity_provider=provider, '
                           "max_concurrency=4) and publish a version (VERSION = reports.publish_version()): on a "
                           "capacity provider only published versions run.")
def still_runs_on_managed_instances(ns):
    ns.function(FUNCTION)
    lam = ns.lab.client("lambda")
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    inner = (config.get("CapacityProviderConfig") or {}).get("LambdaManagedInstancesCapacityProviderConfig")
    assert inner, (f"{FUNCTION} no longer runs on a capacity provider: deploy it with capacity_provider=provider. "
                   "The fix is in the handler, not in leaving Managed Instances")
    per_environment = inner.get("PerExecutionEnvironmentMaxConcurrency")
    assert per_environment is None or per_environment > 1, (
        f"{FUNCTION} runs {per_environment} request at a time per environment: that hides the bug and leaves the "
        "instance idle. Keep max_concurrency=4 and make the handler safe for it")
    version = ns.get("VERSION", str)
    try:
        lam.get_function_configuration(FunctionName=FUNCTION, Qualifier=version)
    except lam.exceptions.ResourceNotFoundException:
        raise Fail(f"{FUNCTION} has no version {version!r}: run the cell that deploys and publishes it") from None


@ex17.check(points=2, hint="The four workers of an environment share its /tmp, so every request writes the same "
                           'report.csv. Name each request\'s file after it: f"report-{context.aws_request_id}.csv".')
def every_report_is_its_own(ns):
    measurement = _measured(ns)
    wrong = _wrong(measurement.warm)
    assert not wrong, (
        f"{len(wrong)} of {len(measurement.warm)} reports, sent four at a time to one environment, went wrong: "
        f"{'; '.join(wrong[:3])}. Requests that run at the same time run in processes of their own, but all "
        "write to the same /tmp, so each one's report.csv overwrote the others' before they read it back: "
        f"{_OWN_FILE}")


@ex17.check(points=1, hint="Download the rates to a file of this process's own (os.getpid() makes its name unique) "
                           "and then os.replace() it to RATES_FILE: a rename is atomic, so the others see no "
                           "rates.json or all of it.")
def rates_are_never_read_half_written(ns):
    measurement = _measured(ns)
    wrong = _wrong(measurement.first)
    half = [problem for problem in wrong if "half written" in problem]
    assert not half, (
        f"four requests sent 0.05 s apart to a new environment: {'; '.join(half[:2])}. The first request "
        "creates rates.json and writes it for 0.3 s; the ones that arrive meanwhile see it exists and read what "
        "is there. Download to a file of your own and os.replace() it into place: another request then finds "
        "no rates.json (and downloads too) or the whole of it")
    assert not [p for p in wrong if "got the report of" not in p], (
        f"the first requests of a new environment went wrong: {'; '.join(wrong[:2])}")


@ex17.check(points=1, hint="Remove each request's report once it is read back (os.remove(path)), and leave no "
                           "half-downloaded rates behind: /tmp is shared by the environment's requests and lives as "
                           "long as the environment.")
def tmp_does_not_fill_up(ns):
    measurement = _measured(ns)
    before, after = measurement.left["after 8"], measurement.left["after 12"]
    assert not after["reports"], (
        f"after {4 * 3} reports, the environment's /tmp still holds {len(after['reports'])} file(s) with a "
        f"report in them ({', '.join(after['reports'][:4])}). /tmp is shared by every request of the environment "
        "and is 512 MB by default: remove each request's file once it has been uploaded and read back "
        "(os.remove(path))")
    assert len(after["files"]) <= len(before["files"]), (
        f"/tmp held {len(before['files'])} file(s) after 8 reports and {len(after['files'])} after 12 "
        f"({', '.join(after['files'][:6])}): something is left behind by every request. Remove what a request "
        "writes before it returns")


@ex17.check(points=1, hidden=True)
def two_reports_for_one_customer_stay_apart(ns):
    measurement = _measured(ns)
    if measurement.shared is None:
        customer = f"cust-{measurement.run}-same"
        measurement.shared = measurement.burst([_request(customer, orders) for orders in _ORDERS])
    wrong = _wrong(measurement.shared)
    assert not wrong, (
        f"four reports for one customer at the same moment: {'; '.join(wrong[:2])}. A file named after the "
        f"customer is not a file of the request's own: {_OWN_FILE}")


@ex17.check(points=1, hidden=True)
def the_published_version_is_safe(ns):
    fn = ns.function(FUNCTION)
    version = ns.published_version(FUNCTION)
    run = uuid.uuid4().hex[:4]
    warm_up = _request(f"own-{run}-w", [100])
    problem = _failure(fn.invoke(warm_up, qualifier=version), warm_up)   # the rates are downloaded by now
    assert problem is None, f"a report to version {version} of {FUNCTION}: {problem}"
    events = [_request(f"own-{run}-{k}", orders) for k, orders in enumerate(_ORDERS)]
    pairs = list(zip(events, _send(fn, events, qualifier=version)))
    # With fewer workers than requests some are throttled: those are sent again, one at a time.
    pairs = [(e, fn.invoke(e, qualifier=version) if a.throttled else a) for e, a in pairs]
    wrong = _wrong(pairs)
    assert not wrong, f"four reports at once to version {version} of {FUNCTION}: {'; '.join(wrong[:2])}"
