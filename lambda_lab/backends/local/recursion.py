"""Recursive loop detection: Lambda counts a function's invocations along one chain of requests.

AWS: https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
"To detect recursive loops, Lambda uses AWS X-Ray tracing headers." Events that supported services
(Amazon SQS, Amazon S3, Amazon SNS, and Lambda itself, invoked synchronously or asynchronously)
send to Lambda carry metadata; when the function writes to one of those services with a supported
AWS SDK (boto3 1.24.46 / botocore 1.27.46 or later), the SDK passes that metadata on, "a count of
the number of times that the event has invoked the function". "If your function is invoked
approximately 16 times in the same chain of requests, then Lambda automatically stops the next
function invocation in that request chain", unless the function's ``RecursiveLoop`` is ``Allow``
(PutFunctionRecursionConfig; the default is ``Terminate``). Loops through other services (DynamoDB,
EventBridge...) are not detected.

How the chain travels here, with nothing but what AWS's own pieces already do:

1. Every invocation gets a trace header, handed to the runtime as ``Lambda-Runtime-Trace-Id``:
   ``Root=1-...;Parent=<16 hex>;Sampled=0;Lineage=<fn hash>:<count>|...``. The Root is kept along
   the chain; Lineage holds, per function, how many times this chain has invoked it, including
   this invocation. (AWS adds a ``Lineage`` field too, e.g. ``Lineage=12326a9d:0``; its exact
   encoding is AWS-internal, so ours is a stand-in with the same meaning.)
2. awslambdaric puts it in ``_X_AMZN_TRACE_ID``; botocore's ``add_recursion_detection_header``
   copies that into an ``X-Amzn-Trace-Id`` header on every call the handler makes, to any service,
   while ``AWS_LAMBDA_FUNCTION_NAME`` is set. That is the SDK support the AWS page requires.
3. The lab's endpoint notes each request's ``X-Amzn-Trace-Id`` (:class:`TraceHeaderMiddleware`)
   for the thread that serves it. moto delivers S3 notifications, SNS publishes and SQS sends
   inside that request, so the trigger code reads it there (:func:`current_trace_header`) and the
   asynchronous event, or the SQS message's ``AWSTraceHeader`` system attribute, carries it on.
4. Just before an invocation runs, :func:`check_recursion` reads the lineage it arrived with.

Why the header and not the caller's credentials or connection: every environment of every function
uses the same local credentials, and one connection can serve many invocations in turn; the header
is per invocation and is what AWS itself relies on. A caller that sends no header (the notebook, a
handler whose SDK lacks the feature, a custom runtime's own HTTP calls) starts a fresh chain, as on
AWS. (The lab's Node.js bootstrap sets ``_X_AMZN_TRACE_ID`` too, so AWS's JavaScript SDK v3 keeps
the chain.)
"""

from __future__ import annotations

import contextvars
import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from ...errors import InvalidParameterValueError, RecursiveInvocationError

__all__ = ["RECURSION_LIMIT", "RECURSIVE_LOOP", "TraceHeader", "TraceHeaderMiddleware", "check_recursion",
           "current_trace_header", "longest_chain", "recursive_loop_of", "set_recursive_loop",
           "validate_recursive_loop"]

#: "approximately 16 times in the same chain of requests": the 17th invocation is stopped.
RECURSION_LIMIT = 16
#: Where a function's RecursiveLoop lives on moto's (unqualified) LambdaFunction; moto 5.2.5 has no
#: such setting. It goes when the function goes, as AWS forgets a deleted function's configuration.
RECURSIVE_LOOP = "lambda_lab_recursive_loop"
_VALUES = ("Allow", "Terminate")
_DEFAULT = "Terminate"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("lambda_lab_trace_header", default=None)


@dataclass(frozen=True)
class TraceHeader:
    """An ``X-Amzn-Trace-Id`` value, with the lineage of the chain it belongs to."""

    root: str
    parent: str = ""
    sampled: str = "0"
    lineage: dict[str, int] = field(default_factory=dict)   # function hash -> invocations in this chain

    @classmethod
    def start(cls, epoch_s: float) -> TraceHeader:
        """A new chain: a new X-Ray trace id (``1-<hex time>-<24 hex>``)."""
        return cls(root=f"1-{int(epoch_s):08x}-{uuid.uuid4().hex[:24]}")

    @classmethod
    def parse(cls, header: str | None) -> TraceHeader | None:
        """The header as a handler's SDK sends it (botocore URL-quotes ``|``), or None if it has no Root."""
        if not header:
            return None
        fields = dict(part.split("=", 1) for part in unquote(header).split(";") if "=" in part)
        if not fields.get("Root"):
            return None
        lineage: dict[str, int] = {}
        for entry in filter(None, fields.get("Lineage", "").split("|")):
            name, _, count = entry.rpartition(":")
            if name and count.isdigit():
                lineage[name] = max(lineage.get(name, 0), int(count))
        return cls(root=fields["Root"], parent=fields.get("Parent", ""), sampled=fields.get("Sampled", "0"),
                   lineage=lineage)

    def count_for(self, function_arn: str) -> int:
        """How many times this chain has invoked the function so far."""
        return self.lineage.get(function_hash(function_arn), 0)

    def invoking(self, function_arn: str) -> TraceHeader:
        """The header of one more invocation of the function in this chain (a new segment, Parent)."""
        key = function_hash(function_arn)
        return TraceHeader(root=self.root, parent=uuid.uuid4().hex[:16], sampled=self.sampled,
                           lineage={**self.lineage, key: self.lineage.get(key, 0) + 1})

    def render(self) -> str:
        text = f"Root={self.root}" + (f";Parent={self.parent}" if self.parent else "") + f";Sampled={self.sampled}"
        if self.lineage:
            text += ";Lineage=" + "|".join(f"{name}:{count}" for name, count in self.lineage.items())
        return text


def function_hash(function_arn: str) -> str:
    """A short stable name for a function (unqualified: versions and aliases are one function)."""
    unqualified = ":".join(function_arn.split(":")[:7])
    return hashlib.sha256(unqualified.encode()).hexdigest()[:8]


def longest_chain(headers: Iterable[str | None], function_arn: str) -> str | None:
    """Of several events' headers (an SQS batch), the one that has invoked the function most often."""
    parsed = [h for h in (TraceHeader.parse(raw) for raw in headers) if h is not None]
    if not parsed:
        return None
    return max(parsed, key=lambda h: h.count_for(function_arn)).render()


# -- the request a trigger happens in -------------------------------------------------------------

class TraceHeaderMiddleware:
    """Remembers each request's ``X-Amzn-Trace-Id`` while the request is served (see the module doc)."""

    def __init__(self, app: Callable):
        self._app = app

    def __call__(self, environ: dict, start_response: Callable):
        header = environ.get("HTTP_X_AMZN_TRACE_ID")
        # botocore URL-quotes the header (Lineage's "|" arrives as %7C): keep the plain value.
        token = _current.set(unquote(header) if header else None)
        try:
            # moto sends a request's notifications (S3, SNS, SQS) before it answers: all within this call.
            return self._app(environ, start_response)
        finally:
            _current.reset(token)


def current_trace_header() -> str | None:
    """The trace header of the request this thread is serving, if its caller sent one."""
    return _current.get()


# -- the setting, and the stop --------------------------------------------------------------------

def validate_recursive_loop(value) -> str:
    if value not in _VALUES:
        raise InvalidParameterValueError(
            f"RecursiveLoop must be 'Allow' or 'Terminate'; got {value!r}. 'Terminate' (the default) stops a "
            "function invoked about 16 times in one chain of requests; 'Allow' lets the loop run.")
    return value


def recursive_loop_of(fn) -> str:
    """A moto function's RecursiveLoop setting (``Terminate`` unless set)."""
    return getattr(fn, RECURSIVE_LOOP, None) or _DEFAULT


def set_recursive_loop(fn, value: str) -> None:
    setattr(fn, RECURSIVE_LOOP, validate_recursive_loop(value))


def check_recursion(fn, function_arn: str, trace_header: str | None, epoch_s: float) -> str:
    """The trace header this invocation runs with; raises RecursiveInvocationError to stop it.

    ``fn`` is the unqualified moto function (it holds the setting); ``trace_header`` is what the
    event arrived with (None: the first invocation of a new chain).
    """
    parent = TraceHeader.parse(trace_header) or TraceHeader.start(epoch_s)
    if parent.count_for(function_arn) >= RECURSION_LIMIT and recursive_loop_of(fn) == "Terminate":
        raise RecursiveInvocationError(
            "Lambda has detected your function being invoked in a recursive loop with other AWS resources and "
            f"stopped your function's invocation ({fn.function_name} ran {RECURSION_LIMIT} times in this chain "
            "of requests). If the loop is intended, allow it with put_function_recursion_config("
            "RecursiveLoop='Allow') and add your own guard.")
    return parent.invoking(function_arn).render()
