"""A grading run's results: a table for people, JSON for machines, a verdict for the exit code."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from .checks import Scored
from .grader import NotebookGrade

__all__ = ["GradeReport"]


@dataclass
class GradeReport(Scored):
    notebooks: list[NotebookGrade]
    instructor: bool = False

    def _scored_parts(self) -> list[NotebookGrade]:
        return self.notebooks

    @property
    def passed(self) -> bool:
        return bool(self.notebooks) and all(n.passed for n in self.notebooks)

    def to_json(self) -> str:
        return json.dumps({"passed": self.passed, "points": self.points, "max_points": self.max_points,
                           "hidden_checks_included": self.instructor,
                           "notebooks": [n.as_dict() for n in self.notebooks]}, indent=2)

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        rows = []
        for notebook in self.notebooks:
            name = notebook.path
            for r in notebook.results:
                label = r.check.replace("_", " ") + (" (hidden)" if r.hidden else "")
                rows.append((name, r.exercise, label, f"{r.points:g}/{r.max_points:g}",
                             "pass" if r.passed else "FAIL", "" if r.passed else r.message))
            if notebook.problem and not notebook.results:
                rows.append((name, ",".join(notebook.exercises) or "-", "-", "0/0", "FAIL", notebook.problem))
        return rows

    def table(self) -> str:
        header = ("notebook", "exercise", "check", "points", "result", "message")
        rows = [header] + self.rows()
        # Paths are never cut (a grader must find the file); check names are, past 48 characters.
        widths = [max(len(row[i]) for row in rows) if i == 0 else min(max(len(row[i]) for row in rows), 48)
                  for i in range(5)]
        lines = ["  ".join((cell if i == 0 else cell[:48]).ljust(width)
                           for i, (cell, width) in enumerate(zip(row[:5], widths))) + "  " + row[5]
                 for row in rows]
        lines.insert(1, "  ".join("-" * width for width in widths) + "  -------")
        for notebook in self.notebooks:
            notes = ([notebook.problem] if notebook.problem and notebook.results else []) + notebook.cell_errors
            for note in notes:
                lines.append(f"note: {notebook.path}: {note}")
        failed = sum(r[4] == "FAIL" for r in rows[1:])
        lines.append(f"total: {self.points:g}/{self.max_points:g} points"
                     + ("" if self.instructor else " (visible checks only; --instructor adds the hidden ones)")
                     + (f", {failed} failing" if failed else ", everything passes"))
        return "\n".join(lines).rstrip()

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("notebook", "exercise", "check", "points", "result", "message"))
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows())
        return (f"<div><b>{self.points:g}/{self.max_points:g} points</b>"
                f"<table><tr>{head}</tr>{body}</table></div>")
