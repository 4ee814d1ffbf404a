"""check("exNN") in a notebook: visible checks only, a hint for each failure, never a hidden check."""

import pytest

from lambda_lab.grading import check
from lambda_lab.grading import checks as registry
from lambda_lab.grading.checks import Fail, run_checks
from lambda_lab.errors import LambdaLabError

SECRET = "the-hidden-check-tests-negative-numbers"


@pytest.fixture
def ex98():
    """A throwaway exercise: doubles a number; one hidden check that records whether it ran."""
    exercise = registry.exercise("ex98", "Double it")
    ran = []

    @exercise.check(points=2, hint="Multiply by two.")
    def doubles_three(ns):
        assert ns.get("double", object)(3) == 6, f"double(3) gave {ns.get('double')(3)!r}"

    @exercise.check(points=1, hint="Name it `double`.")
    def is_named_double(ns):
        ns.get("double")

    @exercise.check(points=5, hidden=True)
    def the_hidden_check_tests_negative_numbers(ns):
        ran.append(True)
        assert ns.get("double")(-2) == -4, SECRET

    yield exercise, ran
    registry._REGISTRY.pop("ex98")


def test_passing_work_gets_the_visible_points(ex98):
    _, ran = ex98
    feedback = check("ex98", {"double": lambda x: 2 * x})
    assert feedback.passed and (feedback.points, feedback.max_points) == (3, 3)
    assert ran == [], "check() must never run a hidden check"


def test_a_failure_says_what_was_wrong_and_gives_the_hint(ex98):
    feedback = check("ex98", {"double": lambda x: x + 2})
    [doubles, named] = feedback.results
    assert not doubles.passed and doubles.message == "double(3) gave 5" and doubles.hint == "Multiply by two."
    assert named.passed and named.hint == ""
    assert (feedback.points, feedback.max_points) == (1, 3)
    for text in (repr(feedback), feedback._repr_html_()):
        assert "double(3) gave 5" in text and "Multiply by two." in text


def test_feedback_never_describes_a_hidden_check(ex98):
    feedback = check("ex98", {"double": lambda x: abs(2 * x)})   # would fail the hidden check
    for text in (repr(feedback), feedback._repr_html_()):
        assert "negative" not in text and SECRET not in text
        assert "More checks run when your work is graded" in text


def test_a_missing_variable_says_to_run_the_cells(ex98):
    feedback = check("ex98", {})
    assert "`double` is not defined: run the exercise's cells" in feedback.results[0].message


def test_a_crash_inside_the_learners_code_is_feedback(ex98):
    feedback = check("ex98", {"double": lambda x: 1 / 0})
    assert feedback.results[0].message == "the check could not run: ZeroDivisionError: division by zero"


def test_the_grader_runs_hidden_checks(ex98):
    _, ran = ex98
    results = run_checks("ex98", {"double": lambda x: abs(2 * x)}, hidden=True)
    assert ran == [True]
    hidden = results[-1]
    assert hidden.hidden and not hidden.passed and hidden.message == SECRET and hidden.max_points == 5


@pytest.mark.parametrize("bad", ["ex1", "exercise 3", 3, "ex99"])
def test_unknown_exercise_ids_are_refused_with_the_known_ones(bad):
    with pytest.raises(LambdaLabError, match="ex01"):
        check(bad, {})


def test_fail_is_an_exception_with_a_message():
    assert str(Fail("nope")) == "nope"
