"""The ``lambda-lab`` command.

    lambda-lab doctor     check this machine for what the lab needs, and say how to fix what is missing
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-lab", description="Learn AWS Lambda locally, in JupyterLab.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="check this machine for what the lab needs")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return doctor()
    return 2


if __name__ == "__main__":
    sys.exit(main())
