"""Exercises are generated from solutions: the markers, the errors, the drift check."""

import json

import nbformat
import pytest

from lambda_lab.errors import LambdaLabError
from lambda_lab.grading.build import build_exercise, build_exercises, exercise_source

CASES = {
    "block with a stub": (
        "def f(x):\n    # BEGIN SOLUTION\n    return x * 2\n    # STUB return 0\n    # END SOLUTION\n",
        "def f(x):\n    # YOUR CODE HERE\n    return 0\n"),
    "block without a stub becomes pass": (
        "def f(x):\n    # BEGIN SOLUTION\n    return x * 2\n    # END SOLUTION\n",
        "def f(x):\n    # YOUR CODE HERE\n    pass\n"),
    "several stub lines keep their own indentation": (
        "# BEGIN SOLUTION\ntotal = 3\n# STUB for x in []:\n# STUB     pass\n# END SOLUTION\n",
        "# YOUR CODE HERE\nfor x in []:\n    pass\n"),
    "one-line answer": ("MEMORY_MB = 512  # SOLUTION\nprint(MEMORY_MB)",
                        "MEMORY_MB = None  # YOUR ANSWER HERE\nprint(MEMORY_MB)"),
    "markers inside a handler's source string": (
        "SOURCE = '''\ndef handler(e, c):\n    # BEGIN SOLUTION\n    return 1\n    # STUB return 0\n    # END SOLUTION\n'''",
        "SOURCE = '''\ndef handler(e, c):\n    # YOUR CODE HERE\n    return 0\n'''"),
    "no markers: unchanged": ("x = 1\n# a comment about the SOLUTION\n", "x = 1\n# a comment about the SOLUTION\n"),
}


@pytest.mark.parametrize("solution, exercise", CASES.values(), ids=CASES.keys())
def test_markers(solution, exercise):
    assert exercise_source(solution) == exercise


BROKEN = {
    "never closed": ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
    "end without begin": ("x = 1\n# END SOLUTION\n", "without a '# BEGIN SOLUTION'"),
    "nested": ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside another"),
    "one-line marker on something that is not an assignment": ("print(1)  # SOLUTION\n", "marks an assignment"),
}


@pytest.mark.parametrize("source, says", BROKEN.values(), ids=BROKEN.keys())
def test_broken_markers_say_where(source, says):
    with pytest.raises(LambdaLabError, match=says) as raised:
        exercise_source(source, where="ex42.ipynb, cell 3")
    assert "ex42.ipynb, cell 3" in str(raised.value)


def _solution(path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)


def test_exercise_has_no_outputs_and_keeps_the_exercise_id(tmp_path):
    cell = nbformat.v4.new_code_cell("answer = 42  # SOLUTION", metadata={"lambda_lab": {"exercise": "ex01"}})
    cell.outputs = [nbformat.v4.new_output("stream", text="42\n")]
    cell.execution_count = 7
    _solution(tmp_path / "ex01_demo.ipynb", [cell])

    built = json.loads(build_exercise(tmp_path / "ex01_demo.ipynb"))

    [out] = built["cells"]
    assert "".join(out["source"]) == "answer = None  # YOUR ANSWER HERE"
    assert out["outputs"] == [] and out["execution_count"] is None
    assert out["metadata"] == {"lambda_lab": {"exercise": "ex01"}}
    assert built["metadata"]["lambda_lab"]["generated_from"] == "solutions/ex01_demo.ipynb"


def test_drift_is_reported_until_the_exercises_are_rebuilt(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    _solution(solutions / "ex01_a.ipynb", [nbformat.v4.new_code_cell("x = 1  # SOLUTION")])
    _solution(solutions / "ex02_b.ipynb", [nbformat.v4.new_code_cell("y = 2  # SOLUTION")])

    assert build_exercises(solutions, exercises, check=True).missing == ["ex01_a.ipynb", "ex02_b.ipynb"]
    assert not exercises.exists(), "--check writes nothing"

    build_exercises(solutions, exercises)
    assert not build_exercises(solutions, exercises, check=True)

    _solution(solutions / "ex01_a.ipynb", [nbformat.v4.new_code_cell("x = 3  # SOLUTION\nprint(x)")])
    (exercises / "ex09_stray.ipynb").write_text("{}")
    drift = build_exercises(solutions, exercises, check=True)
    assert drift.stale == ["ex01_a.ipynb"] and drift.orphaned == ["ex09_stray.ipynb"]
    assert "out of date: ex01_a.ipynb" in str(drift)


def test_no_solutions_is_a_clear_error(tmp_path):
    with pytest.raises(LambdaLabError, match="No solution notebooks"):
        build_exercises(tmp_path, tmp_path / "out")
