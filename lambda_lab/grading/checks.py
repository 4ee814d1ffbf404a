"""Checks: what an exercise must do, each worth points, some hidden until grading.

A check is a function of the learner's notebook namespace. It passes by returning; it fails by
``assert``-ing (the assertion's message is what the learner reads) or by raising ``Fail``. Each
exercise's checks live in ``lambda_lab.grading.bank.<exercise id>``::

    from lambda_lab.grading.checks import exercise

    ex01 = exercise("ex01", "Hello with a default")

    @ex01.check(points=1, hint="Use event.get('name', 'World').")
    def says_hello_world_without_a_name(ns):
        answer = ns.function("hello").invoke({})
        assert answer.payload["statusCode"] == 200, f"statusCode was {answer.payload.get('statusCode')!r}"

    @ex01.check(points=1, hidden=True)      # runs only when graded with --instructor
    def handles_unicode_names(ns): ...

Hidden checks are never run (so never described) by ``check("ex01")`` in the notebook: the
learner sees that they exist, not what they test.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import LambdaLabError

__all__ = ["Fail", "Check", "Exercise", "Namespace", "CheckResult", "Scored", "exercise", "get_exercise", "all_exercises",
           "run_checks", "load_private_checks"]

_ID = re.compile(r"^ex\d{2}$")
_REGISTRY: dict[str, "Exercise"] = {}


class Fail(Exception):
    """A check failed; the message tells the learner what was wrong."""


@dataclass(frozen=True)
class Check:
    exercise: str
    name: str
    points: float
    hidden: bool
    hint: str
    run: Callable[["Namespace"], Any]

    @property
    def title(self) -> str:
        return self.name.replace("_", " ")


@dataclass
class Exercise:
    """One graded exercise: an id that never changes (``ex03``), a title, its checks in order."""

    id: str
    title: str
    checks: list[Check] = field(default_factory=list)

    def check(self, *, points: float = 1, hidden: bool = False, hint: str = ""):
        def register(fn: Callable[["Namespace"], Any]) -> Callable[["Namespace"], Any]:
            self.checks.append(Check(self.id, fn.__name__, points, hidden, hint, fn))
            return fn
        return register

    def visible(self) -> list[Check]:
        return [c for c in self.checks if not c.hidden]

    def max_points(self, *, hidden: bool) -> float:
        return sum(c.points for c in self.checks if hidden or not c.hidden)


def exercise(exercise_id: str, title: str) -> Exercise:
    if not _ID.match(exercise_id):
        raise ValueError(f"Exercise ids look like 'ex01', got {exercise_id!r}")
    _REGISTRY[exercise_id] = found = Exercise(exercise_id, title)
    return found


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id, its checks loaded from ``lambda_lab.grading.bank``."""
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        raise LambdaLabError(f"Exercise ids look like 'ex01' (two digits); got {exercise_id!r}. "
                             f"Known: {', '.join(sorted(all_exercises()))}.")
    if exercise_id not in _REGISTRY:
        try:
            importlib.import_module(f"{__package__}.bank.{exercise_id}")
        except ModuleNotFoundError:
            raise LambdaLabError(f"There is no exercise {exercise_id!r}. Known: "
                                 f"{', '.join(sorted(all_exercises()))}.") from None
    return _REGISTRY[exercise_id]


_LOADED_PRIVATE: set[Path] = set()


def load_private_checks(folder: str | Path, exercise_id: str) -> None:
    """Add the checks in ``folder/<exercise id>.py`` to that exercise (once per file).

    The bank ships with the course, so a learner can read its hidden checks. A class that grades
    for marks keeps the checks that count in a folder of its own (``lambda-lab grade --checks``)::

        from lambda_lab.grading import get_exercise
        ex01 = get_exercise("ex01")

        @ex01.check(points=2, hidden=True)
        def greets_grace(ns): ...
    """
    path = (Path(folder) / f"{exercise_id}.py").resolve()
    get_exercise(exercise_id)
    if path in _LOADED_PRIVATE or not path.is_file():
        return
    spec = importlib.util.spec_from_file_location(f"lambda_lab_private_checks.{exercise_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _LOADED_PRIVATE.add(path)


def all_exercises() -> dict[str, Exercise]:
    from . import bank
    for module in pkgutil.iter_modules(bank.__path__):
        if _ID.match(module.name):
            importlib.import_module(f"{bank.__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))


class Namespace:
    """The learner's notebook variables, with errors that say which cell to run."""

    def __init__(self, variables: Mapping[str, Any]):
        self._variables = variables

    def __contains__(self, name: str) -> bool:
        return name in self._variables

    def get(self, name: str, expected_type: type | tuple[type, ...] | None = None) -> Any:
        if name not in self._variables:
            raise Fail(f"`{name}` is not defined: run the exercise's cells from the top, and keep the name `{name}`.")
        value = self._variables[name]
        if expected_type is not None and not isinstance(value, expected_type):
            wanted = " or ".join(t.__name__ for t in (expected_type if isinstance(expected_type, tuple)
                                                      else (expected_type,)))
            raise Fail(f"`{name}` should be a {wanted}, but it is a {type(value).__name__}: {value!r:.80}")
        return value

    @property
    def lab(self):
        from ..lab import Lab
        return self.get("lab", Lab)

    def function(self, name: str):
        """A deployed function of the learner's lab, by its Lambda name."""
        from ..errors import LambdaLabError as _Error, ServiceClosedError
        lab = self.lab
        try:
            return lab.function(name)
        except ServiceClosedError:
            raise Fail("The lab is closed (lab.close() ran): run the notebook again from the top, "
                       "then check before closing the lab.") from None
        except _Error:
            raise Fail(f"No function named {name!r} is deployed: run the cell that deploys it.") from None

    def published_version(self, function_name: str, variable: str = "VERSION") -> str:
        """The version the learner published (``variable``), checked to exist and to run $LATEST's code."""
        version = self.get(variable, str)
        lam = self.lab.client("lambda")
        try:
            published = lam.get_function_configuration(FunctionName=function_name, Qualifier=version)
        except lam.exceptions.ResourceNotFoundException:
            raise Fail(f"{function_name} has no version {version!r}: run the cell that deploys and publishes it") from None
        latest = lam.get_function_configuration(FunctionName=function_name)
        if published["CodeSha256"] != latest["CodeSha256"]:
            raise Fail(f"version {version} of {function_name} runs older code than $LATEST: publish a version after "
                       "deploying your fix")
        return version

    def item(self, table: str, key: dict) -> dict | None:
        """One DynamoDB item of the learner's lab (``key`` in DynamoDB JSON), read consistently."""
        dynamodb = self.lab.client("dynamodb")
        try:
            return dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        except dynamodb.exceptions.ResourceNotFoundException:
            raise Fail(f"there is no table {table!r}: run the setup cell that creates it") from None


class Scored:
    """``points`` and ``max_points`` summed over the parts: check results, or graded notebooks."""

    def _scored_parts(self) -> list:
        raise NotImplementedError

    @property
    def points(self) -> float:
        return sum(part.points for part in self._scored_parts())

    @property
    def max_points(self) -> float:
        return sum(part.max_points for part in self._scored_parts())


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    check: str
    points: float
    max_points: float
    passed: bool
    message: str
    hint: str
    hidden: bool

    def as_dict(self) -> dict:
        return {"exercise": self.exercise, "check": self.check, "points": self.points,
                "max_points": self.max_points, "passed": self.passed, "message": self.message,
                "hidden": self.hidden}


def run_checks(exercise_id: str, variables: Mapping[str, Any], *, hidden: bool) -> list[CheckResult]:
    """Run one exercise's checks (hidden ones only when ``hidden``) against ``variables``."""
    found = get_exercise(exercise_id)
    namespace = Namespace(variables)
    return [_run_one(c, namespace) for c in found.checks if hidden or not c.hidden]


def _run_one(check: Check, namespace: Namespace) -> CheckResult:
    def result(passed: bool, message: str) -> CheckResult:
        return CheckResult(check.exercise, check.name, check.points if passed else 0, check.points, passed,
                           message, "" if passed else check.hint, check.hidden)
    try:
        check.run(namespace)
    except (Fail, AssertionError) as failure:
        # Under pytest, assertion rewriting appends its own explanation after a newline: drop it.
        return result(False, str(failure).split("\nassert ")[0] or "not yet")
    except Exception as exc:  # noqa: BLE001 - a learner's mistake must come back as feedback, not a traceback
        return result(False, f"the check could not run: {type(exc).__name__}: {exc}")
    return result(True, "passed")
