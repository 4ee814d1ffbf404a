"""Grade notebooks: each in a fresh kernel, with a time limit, its checks run where its variables are.

Exercises are found by the ids in their cells' metadata (``{"lambda_lab": {"exercise": "ex03"}}``),
never by the file's name, so a learner's renamed copy grades the same. The notebook runs top to
bottom (a failing cell is recorded and the rest still run, as a learner's notebook often has one);
a cell still running at the time limit is stopped with its kernel and the remaining cells are skipped. Then
the checks run inside that kernel, against the notebook's variables.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .checks import CheckResult, Scored, get_exercise, load_private_checks, run_checks

__all__ = ["NotebookGrade", "grade_notebook", "exercise_ids"]

_MARKER = "LAMBDA_LAB_GRADE_REPORT "
_CHECKS_TIME_S = 120  # the checks' own budget, after the notebook's


@dataclass
class NotebookGrade(Scored):
    path: str
    exercises: list[str]
    results: list[CheckResult] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    problem: str = ""          # why the notebook could not be graded (fully), if it could not
    elapsed_s: float = 0.0

    def _scored_parts(self) -> list[CheckResult]:
        return self.results

    @property
    def passed(self) -> bool:
        return bool(self.results) and not self.problem and all(r.passed for r in self.results)

    def as_dict(self) -> dict:
        return {"path": self.path, "exercises": self.exercises, "points": self.points,
                "max_points": self.max_points, "passed": self.passed, "problem": self.problem,
                "cell_errors": self.cell_errors, "elapsed_s": round(self.elapsed_s, 1),
                "results": [r.as_dict() for r in self.results]}


def exercise_ids(nb) -> list[str]:
    """The exercise ids a notebook's cells declare, in order of first appearance."""
    seen: list[str] = []
    for cell in nb.cells:
        exercise = cell.get("metadata", {}).get("lambda_lab", {}).get("exercise")
        if exercise and exercise not in seen:
            seen.append(exercise)
    return seen


def grade_notebook(path: str | Path, *, instructor: bool = False, timeout_s: float = 300,
                   checks: str | Path | None = None) -> NotebookGrade:
    """Run one notebook in a fresh kernel and grade every exercise it declares.

    ``checks`` is a folder of private checks (``ex01.py`` ...) added to the bank's; see
    ``load_private_checks``.
    """
    path = Path(path)
    started = time.monotonic()
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - a broken file is a grading result, not a crash
        return NotebookGrade(str(path), [], problem=f"cannot read the notebook: {exc}")
    grade = NotebookGrade(str(path), exercise_ids(nb))
    if not grade.exercises:
        grade.problem = ("no exercise found: graded cells carry metadata {\"lambda_lab\": {\"exercise\": \"ex01\"}}; "
                         "work in a copy of an exercises/ notebook")
        return grade
    unknown = [e for e in grade.exercises if not _known(e)]
    if unknown:
        grade.problem = f"unknown exercise id(s) {', '.join(unknown)} in the cells' metadata; was the notebook edited?"
        return grade
    private = str(Path(checks).resolve()) if checks else None
    for exercise in grade.exercises if private else ():
        load_private_checks(private, exercise)   # here too, so "not graded" counts their points
    try:
        grade.results = _run_and_check(nb, path, grade, instructor=instructor, timeout_s=timeout_s, private=private)
    finally:
        grade.elapsed_s = time.monotonic() - started
    return grade


def _run_and_check(nb, path: Path, grade: NotebookGrade, *, instructor: bool, timeout_s: float,
                   private: str | None) -> list[CheckResult]:
    """Run the cells in order; right after an exercise's check cell, run its checks (state as it was then)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    kernel = _current_env_kernel()
    client = NotebookClient(nb, km=kernel, allow_errors=True, interrupt_on_timeout=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    deadline = time.monotonic() + timeout_s
    graded: dict[str, list[CheckResult]] = {}
    try:
        # The kernel's own stderr (a transport warning) is noise here; cell output arrives on iopub.
        with client.setup_kernel(stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    grade.problem = f"the notebook ran past its time limit of {timeout_s:g} s; later cells did not run"
                    break
                client.timeout = max(1, int(remaining))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    grade.problem = (f"cell {index + 1} was still running at the time limit of {timeout_s:g} s "
                                     "(an endless loop?); it was stopped and later cells did not run")
                    break
                grade.cell_errors += _errors_of(cell, index)
                exercise = cell.get("metadata", {}).get("lambda_lab", {}).get("exercise")
                if exercise and exercise not in graded:
                    graded[exercise] = _checks_in_kernel(client, exercise, instructor, private, len(nb.cells))
    except DeadKernelError:
        grade.problem = "; ".join(p for p in (grade.problem, "the kernel died (the notebook crashed Python or ran "
                                                             "out of memory)") if p)
    except CellTimeoutError:
        grade.problem = "; ".join(p for p in (grade.problem, "the checks did not finish in time") if p)
    finally:
        _stop(kernel)
    why = grade.problem or "its check cell did not run"
    return [r for exercise in grade.exercises
            for r in (graded.get(exercise) or _not_graded(exercise, instructor, why))]


def _checks_in_kernel(client, exercise: str, instructor: bool, private: str | None, index: int) -> list[CheckResult]:
    cell = nbformat.v4.new_code_cell("from lambda_lab.grading.grader import _report_from_kernel\n"
                                     f"_report_from_kernel({exercise!r}, instructor={instructor!r}, "
                                     f"private={private!r})")
    client.timeout = _CHECKS_TIME_S
    client.nb.cells.append(cell)  # nbclient stores the executed cell back at its index
    try:
        client.execute_cell(cell, index)
    finally:
        client.nb.cells.pop()
    return _results_from(cell) or _not_graded(exercise, instructor, "its checks reported nothing")


def _stop(kernel) -> None:
    """Kill the kernel at once (nbclient leaves a kernel it did not create running).

    Not a graceful shutdown: a kernel stuck in a learner's loop would never answer one. The lab's
    worker processes in it die with it (PR_SET_PDEATHSIG).
    """
    from jupyter_core.utils import run_sync
    try:
        if run_sync(kernel.is_alive)():
            run_sync(kernel.shutdown_kernel)(now=True)   # also removes its connection file
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs nothing more
        pass


def _known(exercise: str) -> bool:
    from ..errors import LambdaLabError
    try:
        get_exercise(exercise)
        return True
    except LambdaLabError:
        return False


def _current_env_kernel():
    """A kernel on this interpreter (where lambda_lab is installed), whatever kernels Jupyter lists."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class CurrentEnvironment(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())

    # nbclient needs the asynchronous manager: a blocking client would stall its event loop.
    return AsyncKernelManager(kernel_name="lambda-lab-grader", kernel_spec_manager=CurrentEnvironment())


def _errors_of(cell, index: int) -> list[str]:
    return [f"cell {index + 1}: {out.get('ename')}: {out.get('evalue')}"[:300]
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def _results_from(cell) -> list[CheckResult]:
    text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    for line in text.splitlines():
        if line.startswith(_MARKER):
            return [CheckResult(**item) for item in json.loads(line[len(_MARKER):])]
    return []


def _not_graded(exercise: str, instructor: bool, why: str) -> list[CheckResult]:
    return [CheckResult(c.exercise, c.name, 0, c.points, False, f"not graded: {why}", "", c.hidden)
            for c in get_exercise(exercise).checks if instructor or not c.hidden]


def _report_from_kernel(exercise: str, *, instructor: bool, private: str | None = None) -> None:
    """Runs inside the graded kernel: check one exercise and print the results on one line."""
    from IPython import get_ipython
    if private:
        load_private_checks(private, exercise)
    results = run_checks(exercise, get_ipython().user_ns, hidden=instructor)
    print(_MARKER + json.dumps([{**r.__dict__} for r in results]), flush=True)
