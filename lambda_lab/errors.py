"""Every failure of lambda_lab itself raises from one root, :class:`LambdaLabError`.

A learner's *handler* failing is not an exception here: it is data on the ``Invocation``
(``error``, ``function_error``), exactly as AWS returns it. These classes are for the lab's own
refusals, and the ones that mirror an AWS API error carry AWS's error code so boto3 callers see
the same thing they would see in production.
"""

from __future__ import annotations

__all__ = [
    "LambdaLabError",
    "InvalidParameterValueError",
    "ResourceNotFoundError",
    "ResourceConflictError",
    "TooManyRequestsError",
    "RequestEntityTooLargeError",
    "InvalidRequestContentError",
    "RuntimeNotAvailableError",
    "SnapStartError",
    "SnapStartTimeoutError",
    "RecursiveInvocationError",
    "ServiceClosedError",
    "CostLimitError",
    "from_client_error",
]


class LambdaLabError(Exception):
    """Root of every error lambda_lab raises. The message says what to do next."""

    #: The AWS error code this mirrors, when there is one (e.g. ``TooManyRequestsException``).
    aws_code: str | None = None
    #: The HTTP status AWS answers with for this error.
    http_status: int = 400


class InvalidParameterValueError(LambdaLabError):
    aws_code = "InvalidParameterValueException"


class ResourceNotFoundError(LambdaLabError):
    aws_code = "ResourceNotFoundException"
    http_status = 404


class ResourceConflictError(LambdaLabError):
    aws_code = "ResourceConflictException"
    http_status = 409


class TooManyRequestsError(LambdaLabError):
    """The function or the account is at its concurrency limit (AWS: HTTP 429)."""

    aws_code = "TooManyRequestsException"
    http_status = 429

    def __init__(self, message: str, reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded"):
        super().__init__(message)
        #: AWS's ``Reason`` field: which limit was hit.
        self.reason = reason


class RequestEntityTooLargeError(LambdaLabError):
    aws_code = "RequestEntityTooLargeException"
    http_status = 413


class InvalidRequestContentError(LambdaLabError):
    """The event is not valid JSON (AWS: InvalidRequestContentException)."""

    aws_code = "InvalidRequestContentException"


class RecursiveInvocationError(LambdaLabError):
    """Recursive loop detection stopped an invocation (AWS: RecursiveInvocationException, HTTP 400)."""

    aws_code = "RecursiveInvocationException"


class SnapStartError(LambdaLabError):
    """A SnapStart restore failed: the after-restore runtime hook raised, or the runtime died."""

    aws_code = "SnapStartException"


class SnapStartTimeoutError(LambdaLabError):
    """A SnapStart restore took longer than 10 s (the runtime's load and the after-restore hooks)."""

    aws_code = "SnapStartTimeoutException"
    http_status = 408


class RuntimeNotAvailableError(LambdaLabError):
    """A runtime needs a program this machine does not have (e.g. ``node`` for nodejs20.x)."""

    aws_code = "InvalidRuntimeException"


class CostLimitError(LambdaLabError):
    """Work on a real account would cost more than the lab's cost limit (``Lab.aws(cost_limit_usd=...)``)."""


class NoPublishedVersionError(LambdaLabError):
    """An unqualified invoke of a Managed Instances function that has no published version."""

    aws_code = "NoPublishedVersionException"


class CapacityProviderLimitExceededError(LambdaLabError):
    """The account has its 1,000 capacity providers (Lambda Managed Instances)."""

    aws_code = "CapacityProviderLimitExceededException"


class FunctionVersionsPerCapacityProviderLimitExceededError(LambdaLabError):
    """A capacity provider runs its 100 function versions."""

    aws_code = "FunctionVersionsPerCapacityProviderLimitExceededException"


class ServiceClosedError(LambdaLabError):
    """The lab (or the Lambda service under it) was closed; start a new one."""


def from_client_error(exc, doing: str) -> LambdaLabError:
    """The one translation of a botocore ``ClientError`` into a LambdaLabError, keeping AWS's code.

    ``doing`` says what failed ("Could not deploy 'hello'"). The error is of the class that mirrors
    AWS's code where there is one (``ResourceNotFoundError`` for ResourceNotFoundException, ...), so
    ``except ResourceNotFoundError`` works the same locally and on a real account; otherwise a
    LambdaLabError whose ``aws_code`` and ``http_status`` are AWS's.
    """
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    code = error.get("Code") or "ServiceException"
    message = error.get("Message") or str(exc)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    by_code = {cls.aws_code: cls for cls in _subclasses(LambdaLabError) if cls.aws_code}
    cls = by_code.get(code, LambdaLabError)
    translated = cls.__new__(cls)
    LambdaLabError.__init__(translated, f"{doing}: {code}: {message}")
    translated.aws_code = code
    if status:
        translated.http_status = int(status)
    if isinstance(translated, TooManyRequestsError):
        translated.reason = error.get("Reason") or response.get("Reason") or ""
    return translated


def _subclasses(root: type) -> list[type]:
    found = []
    for cls in root.__subclasses__():
        found += [cls, *_subclasses(cls)]
    return found

