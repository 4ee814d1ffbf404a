"""The grader: fresh kernel, time limit, exercises found by id, hidden checks only for instructors.

These run real kernels on exercise 1 (the hello handler), a few seconds each.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lambda_lab.grading.grader import grade_notebook

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "ex01_hello.ipynb"
EXERCISE = ROOT / "exercises" / "ex01_hello.ipynb"

pytestmark = pytest.mark.slow


def _with_cell(tmp_path, source: str, *, before_check: bool = True) -> Path:
    """The ex01 solution with one extra cell, just before its check cell (or at the very end)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    check_at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("lambda_lab", {}).get("exercise"))
    nb.cells.insert(check_at if before_check else len(nb.cells), nbformat.v4.new_code_cell(source))
    path = tmp_path / "work.ipynb"
    nbformat.write(nb, path)
    return path


def _leftovers() -> list:
    """Kernels or Lambda workers still running under this test process, after a short grace."""
    import time

    import psutil

    from tests.conftest import WORKER_COMMANDS

    def running():
        found = []
        for child in psutil.Process().children(recursive=True):
            try:
                if child.status() != psutil.STATUS_ZOMBIE and any(
                        "ipykernel" in part or part.endswith(WORKER_COMMANDS) for part in child.cmdline()):
                    found.append(child)
            except psutil.Error:
                pass
        return found
    deadline = time.monotonic() + 5
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    return running()


def test_a_renamed_copy_of_the_solution_gets_full_marks(tmp_path):
    copy = tmp_path / "my copy (2).ipynb"     # learners rename; the id lives in the cell's metadata
    shutil.copy(SOLUTION, copy)
    graded = grade_notebook(copy, instructor=True)
    assert graded.exercises == ["ex01"]
    assert graded.passed and graded.points == graded.max_points == 4, graded.as_dict()
    assert _leftovers() == [], "the grader must stop the kernel it started, and the lab's workers with it"


def test_hidden_checks_run_only_for_the_instructor():
    learner = grade_notebook(EXERCISE)
    instructor = grade_notebook(EXERCISE, instructor=True)
    assert [r.hidden for r in learner.results] == [False, False]
    assert sum(r.hidden for r in instructor.results) == 2
    assert learner.points == instructor.points == 0 and not learner.passed


def test_an_endless_loop_is_stopped_at_the_time_limit(tmp_path):
    # The limit leaves room for the cells before the loop (opening a lab takes seconds here).
    graded = grade_notebook(_with_cell(tmp_path, "while True:\n    pass"), instructor=True, timeout_s=40)
    assert "cell 7 was still running at the time limit of 40 s" in graded.problem, graded.problem
    assert graded.points == 0 and graded.max_points == 4 and not graded.passed
    assert all(r.message.startswith("not graded:") for r in graded.results)
    assert graded.elapsed_s < 100
    assert _leftovers() == [], "the looping kernel and its lab's workers are gone"


def test_a_failing_cell_is_recorded_and_the_rest_still_run(tmp_path):
    graded = grade_notebook(_with_cell(tmp_path, "raise ValueError('oops')"), instructor=True)
    assert graded.cell_errors == ["cell 7: ValueError: oops"]
    assert graded.points == 4


def test_a_kernel_that_dies_is_reported(tmp_path):
    graded = grade_notebook(_with_cell(tmp_path, "import os\nos._exit(3)"), instructor=True)
    assert "kernel died" in graded.problem and graded.points == 0 and not graded.passed


def test_the_lab_closed_after_the_check_cell_does_not_matter(tmp_path):
    # Checks run right after the check cell, on the state the notebook had then.
    graded = grade_notebook(_with_cell(tmp_path, "lab.close()\ndel hello", before_check=False), instructor=True)
    assert graded.passed


def test_a_notebook_without_exercises_says_what_to_grade(tmp_path):
    path = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    graded = grade_notebook(path)
    assert "no exercise found" in graded.problem and not graded.passed


def test_the_command_prints_json_and_exits_non_zero_when_anything_fails():
    run = subprocess.run([sys.executable, "-m", "lambda_lab.cli", "grade", "--json", "--instructor",
                          str(SOLUTION), str(EXERCISE)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert (report["points"], report["max_points"], report["passed"]) == (4, 8, False)
    first = report["notebooks"][0]["results"][0]
    assert set(first) >= {"exercise", "check", "points", "max_points", "passed", "message"}
    assert "[1/2] grading" in run.stderr and "[2/2] grading" in run.stderr


def test_the_command_exits_zero_when_everything_passes():
    run = subprocess.run([sys.executable, "-m", "lambda_lab.cli", "grade", str(SOLUTION)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "total: 2/2 points (visible checks only" in run.stdout


def test_nothing_to_grade_is_a_usage_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "lambda_lab.cli", "grade", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "No notebooks to grade" in run.stderr


PRIVATE = '''
from lambda_lab.grading import get_exercise

ex01 = get_exercise("ex01")


@ex01.check(points=2, hidden=True)
def greets_grace_privately(ns):
    body = ns.function("ex01-hello").invoke({"name": "Grace"}).payload["body"]
    assert "Grace" in body, body


@ex01.check(points=3, hidden=True)
def a_private_check_the_solution_fails(ns):
    assert False, "private expectation not met"
'''


@pytest.fixture
def restore_ex01():
    from lambda_lab.grading import checks, get_exercise
    saved, loaded = list(get_exercise("ex01").checks), set(checks._LOADED_PRIVATE)
    yield
    get_exercise("ex01").checks[:] = saved
    checks._LOADED_PRIVATE.clear()
    checks._LOADED_PRIVATE.update(loaded)


def test_private_checks_from_a_graders_folder_are_added(tmp_path, restore_ex01):
    # The course's hidden checks ship with it; a class keeps the ones that count elsewhere.
    (tmp_path / "ex01.py").write_text(PRIVATE)
    graded = grade_notebook(SOLUTION, instructor=True, checks=tmp_path)
    by_name = {r.check: r for r in graded.results}
    assert by_name["greets_grace_privately"].passed and by_name["greets_grace_privately"].points == 2
    assert by_name["a_private_check_the_solution_fails"].message == "private expectation not met"
    assert (graded.points, graded.max_points) == (6, 9)
