"""The ``lambda-lab`` command.

    lambda-lab serve      run the local AWS endpoint for the AWS CLI, other notebooks, or a class
    lambda-lab doctor     check this machine for what the lab needs, and say how to fix what is missing
    lambda-lab grade      run exercise notebooks in fresh kernels and grade them (exit 1 if anything fails)
    lambda-lab exercises build [--check]   generate exercises/ from solutions/ (or check they match)
    lambda-lab workspace [DIR]   copy the course into a folder of your own, so updates never conflict
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import shutil
import sys
from typing import Callable

__all__ = ["main"]


def _check_python() -> tuple[bool, str]:
    ok = sys.version_info >= (3, 10)
    return ok, f"Python {sys.version.split()[0]}" + ("" if ok else ": lambda_lab needs Python 3.10 or newer")


def _check_package(name: str, why: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        try:
            return True, f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            return False, f"{name} is missing ({why}): run `make install` or `pip install -e .[lab]`"
    return check


def _check_program(program: str, why: str, required: bool) -> Callable[[], tuple[bool | None, str]]:
    def check() -> tuple[bool | None, str]:
        path = shutil.which(program)
        if path:
            return True, f"{program}: {path}"
        return (False if required else None), f"{program} not found ({why})"
    return check


def _check_local_service() -> tuple[bool, str]:
    import io
    import zipfile

    from .runtime import FunctionConfig, LambdaService
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'ok'\n")
    try:
        with LambdaService() as service:
            service.create_function(FunctionConfig("doctor", code=buffer.getvalue(), handler="app.handler"))
            result = service.invoke("doctor")
    except Exception as exc:  # noqa: BLE001 - the doctor reports, it does not crash
        return False, f"the local Lambda service failed: {exc}"
    if result.error is not None:
        return False, f"a test function failed: {result.error}"
    return True, f"local Lambda service: a test function ran (cold start {result.init_ms:.0f} ms)"


CHECKS: list[tuple[str, Callable[[], tuple[bool | None, str]]]] = [
    ("python", _check_python),
    ("awslambdaric", _check_package("awslambdaric", "it runs Python handlers")),
    ("boto3", _check_package("boto3", "the AWS SDK")),
    ("moto", _check_package("moto", "the local AWS endpoint")),
    ("jupyterlab", _check_package("jupyterlab", "the course runs in it")),
    ("ipywidgets", _check_package("ipywidgets", "the lab's widgets")),
    ("plotly", _check_package("plotly", "the lab's figures")),
    ("pandas", _check_package("pandas", "tables of invocations")),
    ("nbclient", _check_package("nbclient", "lambda-lab grade runs notebooks with it")),
    ("node", _check_program("node", "optional: runs the Node.js examples; install Node.js 20+", required=False)),
    ("curl", _check_program("curl", "optional: used by the shell custom-runtime example", required=False)),
    ("service", _check_local_service),
]


def doctor() -> int:
    failures = 0
    for _, check in CHECKS:
        ok, message = check()
        mark = {True: "ok  ", False: "FAIL", None: "warn"}[ok]
        failures += ok is False
        print(f"[{mark}] {message}")
    print("\nAll set: run `make lab` to start the course." if not failures
          else f"\n{failures} problem(s) above; fix them and run `lambda-lab doctor` again.")
    return 1 if failures else 0


def serve(host: str, port: int, concurrency: int, region: str) -> int:
    import signal
    import threading

    from .backends.local import ACCOUNT_ID, DEFAULT_ROLE_NAME, LocalEndpoint
    try:
        endpoint = LocalEndpoint(host=host, port=port, concurrency_limit=concurrency, region=region)
    except OSError as exc:
        print(f"Cannot listen on {host}:{port}: {exc.strerror}. Pick another port: lambda-lab serve --port 4567",
              file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"lambda_lab local AWS endpoint: {endpoint.url}  (account {ACCOUNT_ID}, region {region}, "
          f"concurrency {concurrency})\n"
          "Point a shell at it (no real AWS is reached):\n"
          f"  export AWS_ENDPOINT_URL={endpoint.url} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
          f"AWS_DEFAULT_REGION={region}\n"
          f"  aws lambda list-functions\n"
          f"Execution role for new functions: arn:aws:iam::{ACCOUNT_ID}:role/{DEFAULT_ROLE_NAME}\n"
          f"From a notebook: lab = Lab.connect(\"{endpoint.url}\")\n"
          "Stop with Ctrl+C.", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.close()
        print("Stopped; every function's worker processes are gone.", flush=True)
    return 0


def grade(paths: list[str], *, as_json: bool, instructor: bool, timeout_s: float, checks: str | None = None) -> int:
    from pathlib import Path

    from .grading import notebooks_in
    from .grading.grader import grade_notebook
    from .grading.report import GradeReport
    try:
        notebooks = notebooks_in(paths)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if checks and not Path(checks).is_dir():
        print(f"--checks {checks}: not a folder (it holds ex01.py, ex02.py ... with extra checks)", file=sys.stderr)
        return 2
    if not notebooks:
        print("No notebooks to grade: give .ipynb files or folders that hold them.", file=sys.stderr)
        return 2
    grades = []
    for number, notebook in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] grading {notebook} ...", file=sys.stderr, flush=True)
        graded = grade_notebook(notebook, instructor=instructor, timeout_s=timeout_s, checks=checks)
        print(f"        {graded.points:g}/{graded.max_points:g} points in {graded.elapsed_s:.1f} s"
              + (f" ({graded.problem})" if graded.problem else ""), file=sys.stderr, flush=True)
        grades.append(graded)
    report = GradeReport(grades, instructor)
    print(report.to_json() if as_json else report.table())
    return 0 if report.passed else 1


def exercises(action: str, solutions: str, target: str, check: bool) -> int:
    from pathlib import Path

    from .errors import LambdaLabError
    from .grading.build import build_exercises
    try:
        drift = build_exercises(Path(solutions), Path(target), check=check)
    except LambdaLabError as exc:
        print(exc, file=sys.stderr)
        return 2
    if check:
        if drift:
            print(f"{target}/ has drifted from {solutions}/: {drift}. Run `lambda-lab exercises build` and commit "
                  "the result (edit solutions, never the generated exercises).", file=sys.stderr)
            return 1
        print(f"{target}/ matches {solutions}/.")
        return 0
    print(f"Wrote {target}/ from {solutions}/" + (f" ({drift})" if drift else " (nothing changed)") + ".")
    return 0


def workspace(target: str) -> int:
    """Copy the course (notebooks and exercises) into a folder the learner owns."""
    from pathlib import Path
    source = Path(__file__).resolve().parent.parent
    destination = Path(target).expanduser()
    if not (source / "notebooks").is_dir():
        print("The course notebooks are not next to this installation of lambda_lab; clone the repository "
              "and run this from it.", file=sys.stderr)
        return 2
    copied, kept = 0, 0
    for folder in ("notebooks", "exercises"):
        for notebook in sorted((source / folder).glob("*.ipynb")):
            copy = destination / folder / notebook.name
            if copy.exists():
                kept += 1  # never overwrite a learner's work
                continue
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(notebook, copy)
            copied += 1
    jupyter = Path(sys.executable).parent / "jupyter"
    print(f"Copied {copied} notebook(s) to {destination}" + (f"; kept {kept} you already had" if kept else "")
          + f".\nStart the course there (its notebooks and exercises both reachable):\n"
          f"  cd {destination} && {jupyter} lab --LabApp.default_url=/lab/tree/notebooks/01_welcome.ipynb")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-lab", description="Learn AWS Lambda locally, in JupyterLab.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_args = commands.add_parser("serve", help="run the local AWS endpoint (for the AWS CLI or other notebooks)")
    serve_args.add_argument("--port", type=int, default=4566, help="port to listen on (default 4566)")
    serve_args.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback only)")
    serve_args.add_argument("--concurrency", type=int, default=10, help="the account's concurrency limit (default 10)")
    serve_args.add_argument("--region", default="us-east-1", help="the region to emulate (default us-east-1)")
    commands.add_parser("doctor", help="check this machine for what the lab needs")
    grade_args = commands.add_parser("grade", help="grade exercise notebooks, each in a fresh kernel")
    grade_args.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    grade_args.add_argument("--json", action="store_true", help="print machine-readable results")
    grade_args.add_argument("--instructor", action="store_true", help="run the hidden checks too")
    grade_args.add_argument("--timeout", type=float, default=300, metavar="SECONDS",
                            help="time limit per notebook (default 300)")
    grade_args.add_argument("--checks", metavar="FOLDER",
                            help="a folder of private checks (ex01.py ...) added to the course's own")
    exercises_args = commands.add_parser("exercises", help="generate the exercise notebooks from the solutions")
    exercises_args.add_argument("action", choices=["build"])
    exercises_args.add_argument("--check", action="store_true", help="only check that exercises/ is up to date")
    exercises_args.add_argument("--solutions", default="solutions", help="folder of solution notebooks")
    exercises_args.add_argument("--exercises", default="exercises", help="folder to write the exercises to")
    workspace_args = commands.add_parser("workspace", help="copy the course into a folder of your own")
    workspace_args.add_argument("directory", nargs="?", default="~/lambda-lab-workspace")
    args = parser.parse_args(argv)
    if args.command == "grade":
        return grade(args.paths, as_json=args.json, instructor=args.instructor, timeout_s=args.timeout,
                     checks=args.checks)
    if args.command == "exercises":
        return exercises(args.action, args.solutions, args.exercises, args.check)
    if args.command == "workspace":
        return workspace(args.directory)
    if args.command == "serve":
        return serve(args.host, args.port, args.concurrency, args.region)
    if args.command == "doctor":
        return doctor()
    return 2


if __name__ == "__main__":
    sys.exit(main())
