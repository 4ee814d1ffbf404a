"""The course as a whole: every part present, notebooks stored clean, exercises gradeable.

Solutions must score full marks (hidden checks included) and the generated exercises must run
without an error and score less: a check that cannot pass, or a stub that already passes, fails here.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lambda_lab.grading import all_exercises
from lambda_lab.grading.build import build_exercises
from lambda_lab.grading.grader import grade_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _markdown(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "markdown")


def test_the_course_has_all_fifteen_notebooks_in_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, 16)), [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_opens_with_goals_and_ends_with_a_recap(path):
    text = _markdown(path)
    assert "In this notebook you will" in text and "## Recap" in text
    assert "Costs" in text, "say what running it costs (none, locally)"


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS + EXERCISES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebooks_are_stored_without_outputs(path):
    dirty = [i + 1 for i, c in enumerate(_cells(path))
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert dirty == [], (f"cells {dirty} carry outputs: clear them before committing "
                         f"(jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)})")


def test_the_exercises_are_generated_from_the_solutions():
    drift = build_exercises(ROOT / "solutions", ROOT / "exercises", check=True)
    assert not drift, f"{drift}: run `lambda-lab exercises build` (edit solutions/, never exercises/)"


def test_there_are_at_least_eight_exercises_each_with_visible_and_hidden_checks():
    exercises = all_exercises()
    assert len(exercises) >= 8
    declared = {}
    for path in SOLUTIONS:
        for cell in _cells(path):
            exercise = cell.get("metadata", {}).get("lambda_lab", {}).get("exercise")
            if exercise:
                assert declared.setdefault(exercise, path.name) == path.name, f"{exercise} is declared twice"
    assert sorted(declared) == sorted(exercises), "every exercise has exactly one solution notebook, and back"
    for exercise in exercises.values():
        assert exercise.visible() and len(exercise.visible()) < len(exercise.checks), exercise.id
        assert all(c.points > 0 for c in exercise.checks)
        assert all(c.hint for c in exercise.visible()), f"{exercise.id}: every visible check needs a hint"


def _grade_all(paths: list[Path]):
    # Two notebooks at a time: each runs in its own kernel with its own lab.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda p: grade_notebook(p, instructor=True, timeout_s=180), paths))


@pytest.mark.slow
def test_every_solution_scores_full_marks_and_every_exercise_less():
    solutions = _grade_all(SOLUTIONS)
    exercises = _grade_all(EXERCISES)
    for graded in solutions:
        failing = [f"{r.check}: {r.message}" for r in graded.results if not r.passed]
        assert graded.passed and graded.points == graded.max_points, (graded.path, graded.problem, failing)
        assert graded.cell_errors == [], graded.cell_errors
    for graded, solution in zip(exercises, solutions):
        assert graded.cell_errors == [] and not graded.problem, (graded.path, graded.problem, graded.cell_errors)
        assert graded.max_points == solution.max_points and graded.points < graded.max_points, graded.path
