"""A function's ``SnapStart`` setting, and the snapshot PublishVersion takes (moto 5.2.5 has neither).

AWS: https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html,
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html and
https://docs.aws.amazon.com/lambda/latest/api/API_SnapStart.html

- ``SnapStart: {ApplyOn: PublishedVersions | None}`` at CreateFunction or UpdateFunctionConfiguration;
  answers carry ``SnapStart: {ApplyOn, OptimizationStatus}``, where OptimizationStatus is ``On`` for a
  published version made with it and ``Off`` otherwise ($LATEST is never snapshotted).
- Python 3.12 and later (of the runtimes the lab runs); not with provisioned concurrency, EFS, or
  ephemeral storage over 512 MB (and not with tenant isolation: tenancy.py).
- PublishVersion runs INIT and takes the snapshot; the version is ``Pending`` meanwhile, then
  ``Active``, or ``Failed`` when INIT fails (StateReasonCode ``FunctionError.RuntimeInitError`` or
  ``FunctionError.InitTimeout``).

Departure: AWS answers PublishVersion at once with ``State: Pending`` and takes the snapshot in the
background (it can take minutes); the lab takes it before answering, so the answer already says
``Active`` or ``Failed`` (waiters such as ``published_version_active`` return at once).
"""

from __future__ import annotations

from ...errors import InvalidParameterValueError

__all__ = ["SNAP_START", "SNAPSHOT_STATE", "snap_start_of", "validate_snap_start", "describe_snap_start",
           "snapshot_state"]

SNAP_START = "lambda_lab_snap_start"          # on moto's LambdaFunction: {"ApplyOn": ...}
SNAPSHOT_STATE = "lambda_lab_snapshot_state"  # on a published version: State, StateReason, StateReasonCode
_APPLY_ON = ("PublishedVersions", "None")
_RUNTIMES = ("python3.12", "python3.13", "python3.14")   # of the lab's runtimes, those SnapStart supports


def snap_start_of(fn) -> bool:
    """Whether this function (or the version it was published as) uses SnapStart."""
    return (getattr(fn, SNAP_START, None) or {}).get("ApplyOn") == "PublishedVersions"


def validate_snap_start(setting, *, runtime: str | None, ephemeral_mb: int | None = None) -> dict:
    """The setting as AWS stores it, refusing what AWS refuses."""
    if not isinstance(setting, dict) or set(setting) - {"ApplyOn"} or setting.get("ApplyOn", "None") not in _APPLY_ON:
        raise InvalidParameterValueError(
            'SnapStart must be {"ApplyOn": "PublishedVersions"} or {"ApplyOn": "None"}.')
    apply_on = setting.get("ApplyOn", "None")
    if apply_on == "PublishedVersions":
        if runtime and runtime not in _RUNTIMES:
            raise InvalidParameterValueError(
                f"SnapStart is not supported for the {runtime} runtime: Lambda offers it for Python 3.12 and "
                "later (and Java 11+, .NET 8+). Use python3.12 or newer, or leave SnapStart off.")
        if ephemeral_mb is not None and int(ephemeral_mb) > 512:
            raise InvalidParameterValueError(
                f"SnapStart does not support ephemeral storage greater than 512 MB (this function has "
                f"{ephemeral_mb} MB): lower EphemeralStorage.Size, or leave SnapStart off.")
    return {"ApplyOn": apply_on}


def snapshot_state(init) -> dict:
    """A published version's State after PublishVersion took (or failed to take) its snapshot."""
    if init is None or init.ok:
        return {"State": "Active"}
    error = init.error or {}
    code = "FunctionError.InitTimeout" if init.status == "timeout" else "FunctionError.RuntimeInitError"
    return {"State": "Failed", "StateReasonCode": code,
            "StateReason": f"{error.get('errorType', 'Runtime.Unknown')}: {error.get('errorMessage', '')}".strip()}


def describe_snap_start(configuration: dict, fn) -> None:
    """Add SnapStart (and a snapshotted version's State) to one FunctionConfiguration document."""
    setting = getattr(fn, SNAP_START, None) or {"ApplyOn": "None"}
    published = configuration.get("Version") not in (None, "$LATEST")
    configuration["SnapStart"] = {
        "ApplyOn": setting["ApplyOn"],
        "OptimizationStatus": "On" if published and setting["ApplyOn"] == "PublishedVersions" else "Off",
    }
    state = getattr(fn, SNAPSHOT_STATE, None) if published else None
    if state:
        configuration.update(state)
