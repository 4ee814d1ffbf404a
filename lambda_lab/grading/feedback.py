"""``check("ex03")``: instant, friendly feedback in the notebook, one line per visible check.

It never raises on a failing check (the notebook keeps running) and never runs or describes a
hidden check: it only says that more checks run when the work is graded.
"""

from __future__ import annotations

import html
import sys
from typing import Any, Mapping

from .checks import CheckResult, Scored, get_exercise, run_checks

__all__ = ["check", "Feedback"]


class Feedback(Scored):
    """What ``check`` found: the visible checks' results, the points, hints for what failed."""

    def __init__(self, exercise_id: str, title: str, results: list[CheckResult], hidden_count: int):
        self.exercise = exercise_id
        self.title = title
        self.results = results
        self.hidden_count = hidden_count

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def _scored_parts(self) -> list[CheckResult]:
        return self.results

    def _headline(self) -> str:
        verdict = "all checks pass" if self.passed else f"{sum(not r.passed for r in self.results)} to fix"
        return f"{self.exercise} {self.title}: {_num(self.points)}/{_num(self.max_points)} points, {verdict}"

    def _footer(self) -> str:
        if not self.hidden_count:
            return ""
        return "More checks run when your work is graded; make sure your code handles the cases the exercise describes."

    def __repr__(self) -> str:
        lines = [self._headline()]
        for r in self.results:
            lines.append(f"  {'PASS' if r.passed else 'FAIL'}  {r.check.replace('_', ' ')}"
                         + ("" if r.passed else f": {r.message}"))
            if r.hint:
                lines.append(f"        hint: {r.hint}")
        if self._footer():
            lines.append(self._footer())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        rows = []
        for r in self.results:
            mark = "&#10004;" if r.passed else "&#10008;"
            detail = "" if r.passed else html.escape(r.message)
            if r.hint:
                detail += f"<br><i>Hint: {html.escape(r.hint)}</i>"
            rows.append(f"<tr><td style='color:{'#1a7f37' if r.passed else '#b35900'}'>{mark}</td>"
                        f"<td style='text-align:left'>{html.escape(r.check.replace('_', ' '))}</td>"
                        f"<td>{_num(r.points)}/{_num(r.max_points)}</td><td style='text-align:left'>{detail}</td></tr>")
        footer = f"<p><small>{html.escape(self._footer())}</small></p>" if self._footer() else ""
        return (f"<div><b style='color:{colour}'>{html.escape(self._headline())}</b>"
                f"<table>{''.join(rows)}</table>{footer}</div>")


def check(exercise_id: str, namespace: Mapping[str, Any] | None = None) -> Feedback:
    """Run the visible checks of an exercise against this notebook's variables and show the result."""
    variables = namespace if namespace is not None else _notebook_namespace()
    found = get_exercise(exercise_id)
    results = run_checks(exercise_id, variables, hidden=False)
    return Feedback(exercise_id, found.title, results, len(found.checks) - len(found.visible()))


def _notebook_namespace() -> Mapping[str, Any]:
    """The kernel's user namespace in a notebook; the caller's globals elsewhere."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    return sys._getframe(2).f_globals


def _num(value: float) -> str:
    return f"{value:g}"
