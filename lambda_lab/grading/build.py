"""One source of truth: exercise notebooks are generated from the solutions.

A solution notebook marks what the learner writes. A block::

    # BEGIN SOLUTION
    name = event.get("name", "World")
    # STUB name = "TODO"
    # END SOLUTION

becomes ``# YOUR CODE HERE`` followed by its ``# STUB`` lines, uncommented (``pass`` when there are
none), at the block's indentation. A line ending in ``# SOLUTION`` that assigns a value becomes
``target = None  # YOUR ANSWER HERE``. Markers work inside a handler's source string too, since they
are plain lines. Outputs are stripped; cell metadata (the exercise ids) is kept.

``lambda-lab exercises build`` writes ``exercises/`` from ``solutions/``; ``--check`` fails when
they have drifted apart (CI runs it), so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import LambdaLabError

__all__ = ["exercise_source", "build_exercise", "build_exercises", "Drift"]

_BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
_STUB = re.compile(r"^\s*# STUB ?(.*)$")
_ONE_LINE = re.compile(r"^(\s*)([A-Za-z_][\w.\[\]'\"]*)\s*=\s*.+?\s*# SOLUTION\s*$")


def exercise_source(source: str, *, where: str = "cell") -> str:
    """The learner's version of one cell's source."""
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for number, line in enumerate(source.split("\n"), start=1):
        if block is None:
            begin = _BEGIN.match(line)
            if begin:
                block, indent = [], begin.group(1)
            elif _END.match(line):
                raise LambdaLabError(f"{where}, line {number}: '# END SOLUTION' without a '# BEGIN SOLUTION' above it.")
            elif line.rstrip().endswith("# SOLUTION"):
                one = _ONE_LINE.match(line)
                if not one:
                    raise LambdaLabError(f"{where}, line {number}: '# SOLUTION' marks an assignment "
                                         f"(answer = 42  # SOLUTION); got {line.strip()!r}.")
                out.append(f"{one.group(1)}{one.group(2)} = None  # YOUR ANSWER HERE")
            else:
                out.append(line)
        elif _BEGIN.match(line):
            raise LambdaLabError(f"{where}, line {number}: a '# BEGIN SOLUTION' inside another; close the first.")
        elif _END.match(line):
            out.append(f"{indent}# YOUR CODE HERE")
            out.extend(f"{indent}{stub}" for stub in (block or ["pass"]))
            block = None
        else:
            stub = _STUB.match(line)
            if stub:
                block.append(stub.group(1))
    if block is not None:
        raise LambdaLabError(f"{where}: '# BEGIN SOLUTION' is never closed with '# END SOLUTION'.")
    return "\n".join(out)


def build_exercise(solution: Path) -> str:
    """The exercise notebook for one solution notebook, as the text to store."""
    nb = nbformat.read(solution, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = exercise_source(cell.source, where=f"{solution.name}, cell {index + 1}")
            cell.outputs = []
            cell.execution_count = None
        cell.pop("id", None)
    nb.metadata.setdefault("lambda_lab", {})["generated_from"] = f"solutions/{solution.name}"
    nb.nbformat_minor = 4  # no cell ids: stable text, small diffs
    return nbformat.writes(nb, version=4) + "\n"


@dataclass(frozen=True)
class Drift:
    """How ``exercises/`` differs from what the solutions generate."""

    stale: list[str]
    missing: list[str]
    orphaned: list[str]

    def __bool__(self) -> bool:
        return bool(self.stale or self.missing or self.orphaned)

    def __str__(self) -> str:
        parts = [f"{label}: {', '.join(names)}" for label, names in
                 (("out of date", self.stale), ("missing", self.missing),
                  ("no solution for", self.orphaned)) if names]
        return "; ".join(parts) or "exercises match their solutions"


def build_exercises(solutions: Path, exercises: Path, *, check: bool = False) -> Drift:
    """Write (or with ``check``, only compare) every exercise generated from ``solutions``."""
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise LambdaLabError(f"No solution notebooks in {solutions}: point --solutions at the folder that has them.")
    stale, missing = [], []
    for solution in sources:
        text = build_exercise(solution)
        target = exercises / solution.name
        if not target.exists():
            missing.append(solution.name)
        elif target.read_text(encoding="utf-8") != text:
            stale.append(solution.name)
        if not check:
            exercises.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    orphaned = sorted(p.name for p in exercises.glob("*.ipynb")
                      if not (solutions / p.name).exists())
    return Drift(stale, missing, orphaned)
