"""The Lambda Extensions API (2020-01-01): external extensions from layers, in one execution environment.

AWS: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html

- Every executable file in ``/opt/extensions`` (a layer's ``extensions/`` folder) is an external
  extension: Lambda starts it during INIT, with the function's environment variables, and it
  registers (``POST /extension/register``, header ``Lambda-Extension-Name``: its file name, body
  ``{"events": ["INVOKE", "SHUTDOWN"]}``), answered with its ``Lambda-Extension-Identifier``.
  Code inside the runtime process may register too (an internal extension), until INIT ends.
- INIT ends when every extension and the runtime have asked for their next event
  (``GET /extension/event/next``, ``GET /runtime/invocation/next``); the Init Duration counts them.
- Each invocation is an ``INVOKE`` event to the extensions registered for it (``deadlineMs``,
  ``requestId``, ``invokedFunctionArn``, ``tracing``). The invoke phase, and its Duration and the
  function's timeout, lasts until the runtime and every extension have asked for the next event
  again: an extension's work after the response is billed.
- SHUTDOWN: the runtime gets SIGTERM and each extension registered for it a ``SHUTDOWN`` event; all
  of them have 2,000 ms in all (with an external extension) before SIGKILL.
- ``POST /extension/init/error`` fails INIT with the extension's error type; ``/extension/exit/error``
  reports why it is exiting. An extension that exits during INIT fails INIT with ``Extension.Crash``.

The Telemetry API (``PUT /2022-07-01/telemetry``): a registered extension subscribes an HTTP
listener to ``platform``, ``function`` and ``extension`` events; Lambda buffers them (``buffering``:
maxItems, maxBytes, timeoutMs) and POSTs them as JSON arrays. Events reach a listener only while
the environment runs: what happened in one invocation (its ``platform.report`` among them) is
delivered when the next one thaws the environment, or at shutdown, as on AWS.
https://docs.aws.amazon.com/lambda/latest/dg/telemetry-api.html

Departures: the extensions and the runtime start together (AWS starts the runtime once every
extension has registered; INIT ends at the same moment either way); extension processes are in
the environment's process limit but their memory is not counted against MemorySize; the lab's
caller gets the function's response once the extensions are done with the invocation too (AWS
answers at once and lets them go on working). Telemetry: only the HTTP protocol (not TCP); the
``sandbox.localdomain`` host of a destination URI is this machine's loopback, so a listener must
bind 127.0.0.1 or 0.0.0.0 here; an invocation's events are delivered when the environment next
thaws, before the next event is handed over (AWS delivers them alongside it, and may within
timeoutMs while an invocation runs); ``extension`` events (an
extension's own log lines) are not produced: its output is in the function's log.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .limits import signal_group
from .logs import iso_timestamp

__all__ = ["Extension", "ExtensionSet", "SHUTDOWN_LIMIT_S", "TelemetrySubscription", "external_extensions"]

#: "2,000 ms – A function with one or more registered external extensions" (the Shutdown phase).
SHUTDOWN_LIMIT_S = 2.0
_EVENTS = ("INVOKE", "SHUTDOWN")
_SCHEMAS = ("2022-07-01", "2022-12-13", "2025-01-29")
_TYPES = ("platform", "function", "extension")
#: buffering's (minimum, default, maximum), from the Telemetry API reference
_BUFFERING = {"maxItems": (1000, 10000, 10000), "maxBytes": (262144, 262144, 1048576), "timeoutMs": (25, 1000, 30000)}


@dataclass
class TelemetrySubscription:
    """One extension's Telemetry API subscription and the events waiting for it."""

    extension: str
    uri: str
    types: tuple[str, ...]
    max_items: int
    max_bytes: int
    pending: list[dict] = field(default_factory=list)
    delivered: int = 0
    failures: int = 0

    def take(self, event: dict) -> None:
        kind = event["type"].split(".", 1)[0]
        if kind in self.types:
            self.pending.append(event)

    def batches(self) -> list[list[dict]]:
        """The pending events in POSTs no bigger than maxItems and maxBytes; the buffer emptied."""
        out, batch, size = [], [], 2
        for event in self.pending:
            length = len(json.dumps(event)) + 1
            if batch and (len(batch) >= self.max_items or size + length > self.max_bytes):
                out.append(batch)
                batch, size = [], 2
            batch.append(event)
            size += length
        if batch:
            out.append(batch)
        self.pending = []
        return out


def external_extensions(opt_dir: Path | None) -> list[Path]:
    """The executables a function's layers put in /opt/extensions, in name order."""
    folder = (opt_dir / "extensions") if opt_dir is not None else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.is_file() and os.access(path, os.X_OK))


@dataclass
class Extension:
    """One registered (or, for an external one, started) extension."""

    name: str
    external: bool
    id: str | None = None                 # Lambda-Extension-Identifier, once registered
    events: tuple[str, ...] = ()
    process: object | None = None         # subprocess.Popen of an external extension
    waiting: bool = False                 # blocked in /event/next, done with the current phase
    queue: list[dict] = field(default_factory=list)
    error: dict | None = None             # what it posted to init/error or exit/error

    @property
    def alive(self) -> bool:
        return self.process is None or self.process.poll() is None


class ExtensionSet:
    """The extensions of one execution environment, driven under the environment's own condition."""

    def __init__(self, cond: threading.Condition, *, describe: Callable[[], dict], on_settled: Callable[[], None]):
        self._cond = cond
        self._describe = describe          # the register answer: functionName, functionVersion, handler
        self._on_settled = on_settled      # called (under the condition) when every extension waits
        self._extensions: list[Extension] = []
        self.registration_open = True
        self.closing = False
        self.subscriptions: list[TelemetrySubscription] = []

    # -- the environment's side ------------------------------------------------------------

    def started(self, name: str, process) -> None:
        self._extensions.append(Extension(name=name, external=True, process=process))

    @property
    def external(self) -> list[Extension]:
        return [ext for ext in self._extensions if ext.external]

    def all_waiting(self) -> bool:
        """Every extension has registered and asked for its next event (or there is none)."""
        return all(ext.id is not None and ext.waiting for ext in self._extensions)

    def failure(self) -> dict | None:
        """Why INIT cannot end: an extension's init/error, or one that exited (Extension.Crash)."""
        for ext in self._extensions:
            if ext.error is not None and ext.error.get("phase") == "init":
                return {"errorType": ext.error["errorType"], "errorMessage": ext.error["errorMessage"]}
        for ext in self.external:
            if not ext.alive:
                return {"errorType": "Extension.Crash",
                        "errorMessage": f"extension {ext.name} exited during INIT (exit status {ext.process.poll()})"}
        return None

    def crashed(self) -> Extension | None:
        return next((ext for ext in self.external if not ext.alive), None)

    def invoke(self, event: dict) -> None:
        """Hand an INVOKE event to every extension registered for it (under the condition)."""
        for ext in self._extensions:
            if "INVOKE" in ext.events:
                ext.queue.append(dict(event))
                ext.waiting = False
        self._cond.notify_all()

    def shutdown_event(self, deadline_ms: int, reason: str = "spindown") -> list[Extension]:
        """Hand SHUTDOWN to every extension registered for it; the ones to wait for."""
        told = []
        for ext in self._extensions:
            if "SHUTDOWN" in ext.events and ext.alive:
                ext.queue.append({"eventType": "SHUTDOWN", "shutdownReason": reason, "deadlineMs": deadline_ms})
                ext.waiting = False
                told.append(ext)
        self._cond.notify_all()
        return told

    def signal(self, sig: int) -> None:
        for ext in self.external:
            if ext.process is not None:
                signal_group(ext.process.pid, sig)

    def kill(self) -> None:
        self.closing = True
        for ext in self.external:
            if ext.process is not None:
                signal_group(ext.process.pid, signal.SIGKILL)
                try:
                    ext.process.wait(timeout=5)
                except Exception:  # noqa: BLE001 - a zombie we cannot reap is not worth failing over
                    pass

    # -- the Extensions API's side (called on the Runtime API server's threads) ---------------

    def register(self, name: str, body: bytes) -> tuple[int, dict, dict]:
        """(status, body, headers) for ``POST /2020-01-01/extension/register``."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = None
        events = request.get("events") if isinstance(request, dict) else None
        if not name or not isinstance(events, list) or any(e not in _EVENTS for e in events):
            return 400, {"errorType": "InvalidRequest",
                         "errorMessage": 'Register with header Lambda-Extension-Name and a body such as '
                                         '{"events": ["INVOKE", "SHUTDOWN"]}.'}, {}
        with self._cond:
            ext = next((e for e in self.external if e.name == name and e.id is None), None)
            if ext is not None and not events:
                # It would never ask for an event, and INIT waits for every extension to ask.
                return 400, {"errorType": "InvalidRequest",
                             "errorMessage": f"extension {name} registered for no events: an external extension "
                                             'registers for INVOKE, SHUTDOWN or both, e.g. {"events": ["SHUTDOWN"]}, '
                                             "and then asks for its next event."}, {}
            if ext is None:
                if not self.registration_open or any(e.name == name for e in self._extensions):
                    return 403, {"errorType": "Extension.RegistrationFailed",
                                 "errorMessage": f"extension {name} cannot register now: extensions register "
                                                 "once, during INIT"}, {}
                ext = Extension(name=name, external=False)   # from inside the runtime process
                self._extensions.append(ext)
            ext.id, ext.events = str(uuid.uuid4()), tuple(events)
            self._cond.notify_all()
            return 200, self._describe(), {"Lambda-Extension-Identifier": ext.id, "Content-Type": "application/json"}

    def next_event(self, extension_id: str) -> tuple[int, dict, dict]:
        """``GET /2020-01-01/extension/event/next``: block until this extension's next event."""
        with self._cond:
            ext = self._by_id(extension_id)
            if ext is None:
                return 403, {"errorType": "Extension.UnknownExtensionIdentifier",
                             "errorMessage": "Lambda-Extension-Identifier is missing or unknown: register first"}, {}
            if not ext.events:
                return 403, {"errorType": "Extension.InvalidEventType",
                             "errorMessage": f"extension {ext.name} registered for no events"}, {}
            ext.waiting = True
            if self.all_waiting():
                self._on_settled()
            self._cond.notify_all()
            while not ext.queue and not self.closing:
                self._cond.wait()
            if not ext.queue:
                return 500, {"errorType": "Extension.Shutdown", "errorMessage": "environment closing"}, {}
            event = ext.queue.pop(0)
            return 200, event, {"Lambda-Extension-Event-Identifier": str(uuid.uuid4()),
                                "Content-Type": "application/json"}

    def report_error(self, extension_id: str, kind: str, body: bytes, error_type: str | None) -> tuple[int, dict, dict]:
        """``POST /2020-01-01/extension/init/error`` or ``/exit/error``."""
        with self._cond:
            ext = self._by_id(extension_id)
            if ext is None:
                return 403, {"errorType": "Extension.UnknownExtensionIdentifier",
                             "errorMessage": "Lambda-Extension-Identifier is missing or unknown: register first"}, {}
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                document = {}
            message = document.get("errorMessage") if isinstance(document, dict) else None
            ext.error = {"phase": kind, "errorType": error_type or "Extension.Unknown",
                         "errorMessage": message or f"extension {ext.name} reported {kind}/error"}
            self._cond.notify_all()
            return 202, {"status": "OK"}, {}

    def subscribe(self, extension_id: str | None, body: bytes) -> tuple[int, dict | bytes, dict]:
        """``PUT /2022-07-01/telemetry``: subscribe a registered extension's listener."""
        with self._cond:
            ext = self._by_id(extension_id)
            if ext is None:
                return 403, {"errorType": "Telemetry.SubscriptionForbidden",
                             "errorMessage": "Only a registered extension can subscribe: register first and send its "
                                             "Lambda-Extension-Identifier."}, {}
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                request = None
            problem = _subscription_problem(request)
            if problem:
                return 400, {"errorType": "ValidationError", "errorMessage": problem}, {}
            buffering = request.get("buffering") or {}
            subscription = TelemetrySubscription(
                extension=ext.name, uri=request["destination"]["URI"], types=tuple(request["types"]),
                max_items=int(buffering.get("maxItems", _BUFFERING["maxItems"][1])),
                max_bytes=int(buffering.get("maxBytes", _BUFFERING["maxBytes"][1])))
            self.subscriptions = [s for s in self.subscriptions if s.extension != ext.name] + [subscription]
            self._publish_locked([{"time": iso_timestamp(time.time()), "type": "platform.telemetrySubscription",
                                   "record": {"name": ext.name, "state": "Subscribed", "types": list(subscription.types)}}])
            return 200, b"OK", {"Content-Type": "text/plain"}

    def ready(self) -> None:
        """Under the condition, when INIT ends: each extension's platform.extension event."""
        now = iso_timestamp(time.time())
        self._publish_locked([{"time": now, "type": "platform.extension",
                               "record": {"name": ext.name, "state": "Ready", "events": list(ext.events)}}
                              for ext in self._extensions])

    def publish(self, events: list[dict]) -> None:
        """Buffer telemetry events for the subscribers (delivered when the environment next runs)."""
        with self._cond:
            self._publish_locked(events)

    def _publish_locked(self, events: list[dict]) -> None:
        for subscription in self.subscriptions:
            for event in events:
                subscription.take(event)

    def flush(self, *, wait_s: float = 2.0) -> None:
        """POST what is buffered to each listener, waiting at most ``wait_s`` (the environment runs
        meanwhile: a frozen listener could not answer). What is not delivered stays buffered."""
        with self._cond:
            work = [(subscription, subscription.batches()) for subscription in self.subscriptions]
        work = [(subscription, batches) for subscription, batches in work if batches]
        if not work:
            return
        sender = threading.Thread(target=_deliver, args=(work, self._cond), name="telemetry-delivery", daemon=True)
        sender.start()
        sender.join(wait_s)

    def _by_id(self, extension_id: str | None) -> Extension | None:
        return next((ext for ext in self._extensions if extension_id and ext.id == extension_id), None)


def _subscription_problem(request) -> str | None:
    if not isinstance(request, dict):
        return 'The body must be a JSON object such as {"schemaVersion": "2022-12-13", "destination": ' \
               '{"protocol": "HTTP", "URI": "http://sandbox.localdomain:4243"}, "types": ["platform", "function"]}.'
    if request.get("schemaVersion") not in _SCHEMAS:
        return f"schemaVersion must be one of {', '.join(_SCHEMAS)}; got {request.get('schemaVersion')!r}."
    destination = request.get("destination") or {}
    if destination.get("protocol") != "HTTP":
        return "destination.protocol must be HTTP (the lab delivers telemetry over HTTP only, not TCP)."
    uri = destination.get("URI")
    if not isinstance(uri, str) or not uri.startswith("http://"):
        return "destination.URI must be an http:// address, e.g. http://sandbox.localdomain:4243/telemetry."
    types = request.get("types")
    if not isinstance(types, list) or not types or any(t not in _TYPES for t in types):
        return f"types must be a list of {', '.join(_TYPES)}."
    for key, value in (request.get("buffering") or {}).items():
        low, _, high = _BUFFERING.get(key, (None, None, None))
        if low is None or not isinstance(value, int) or not low <= value <= high:
            return f"buffering.{key} must be a whole number from {low} to {high}." if low is not None else \
                f"buffering takes maxItems, maxBytes and timeoutMs, not {key}."
    return None


def _deliver(work: list[tuple[TelemetrySubscription, list[list[dict]]]], cond: threading.Condition) -> None:
    for subscription, batches in work:
        target = urlsplit(subscription.uri)
        host = "127.0.0.1" if target.hostname in ("sandbox.localdomain", "sandbox", None) else target.hostname
        for n, batch in enumerate(batches):
            try:
                connection = http.client.HTTPConnection(host, target.port or 80, timeout=2)
                connection.request("POST", target.path or "/", body=json.dumps(batch).encode(),
                                   headers={"Content-Type": "application/json"})
                connection.getresponse().read()
                connection.close()
                subscription.delivered += len(batch)
            except OSError:
                # Kept for the next delivery, in order (AWS retries a failed delivery too).
                subscription.failures += 1
                with cond:
                    subscription.pending[:0] = [event for rest in batches[n:] for event in rest]
                break


def shutdown_deadline_ms(now_s: float) -> int:
    return int((now_s + SHUTDOWN_LIMIT_S) * 1000)


def wait_until(cond: threading.Condition, done: Callable[[], bool], limit_s: float) -> bool:
    """Wait (holding ``cond``) until ``done()`` or ``limit_s`` passes."""
    deadline = time.perf_counter() + limit_s
    while not done():
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return False
        cond.wait(min(0.02, remaining))
    return True
