"""Graded exercises: instant feedback in the notebook, a grader for the class.

In an exercise notebook::

    from lambda_lab.grading import check
    check("ex01")          # the visible checks, with a hint for each that fails

For a class: ``lambda-lab grade exercises/*.ipynb --instructor --json`` runs each notebook in a
fresh kernel with a time limit, runs every check (hidden ones too) and exits non-zero when
anything fails. Exercises are generated from ``solutions/`` (``lambda-lab exercises build``).
"""

from .checks import CheckResult, Exercise, Fail, all_exercises, get_exercise
from .feedback import Feedback, check

__all__ = ["check", "Feedback", "Fail", "Exercise", "CheckResult", "get_exercise", "all_exercises", "grade", "notebooks_in"]


def notebooks_in(paths) -> list:
    """The notebooks named: ``.ipynb`` files as given, folders expanded to their ``*.ipynb`` (sorted).

    Raises ValueError naming a path that is neither.
    """
    from pathlib import Path
    found = []
    for path in [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]:
        if path.is_dir():
            found += sorted(path.glob("*.ipynb"))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise ValueError(f"{path}: not a notebook or a folder of notebooks")
    return found


def grade(paths, *, instructor: bool = False, timeout_s: float = 300, checks=None):
    """Grade notebooks (paths or folders) in fresh kernels; returns a GradeReport.

    ``checks``: a folder of private checks added to the course's own (``load_private_checks``).
    """
    from .grader import grade_notebook
    from .report import GradeReport
    return GradeReport([grade_notebook(p, instructor=instructor, timeout_s=timeout_s, checks=checks)
                        for p in notebooks_in(paths)], instructor)
