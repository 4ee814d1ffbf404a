"""The ``lambda-lab`` command.

    lambda-lab serve      run the local AWS endpoint for the AWS CLI, other notebooks, or a class
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-lab", description="Learn AWS Lambda locally, in JupyterLab.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_args = commands.add_parser("serve", help="run the local AWS endpoint (for the AWS CLI or other notebooks)")
    serve_args.add_argument("--port", type=int, default=4566, help="port to listen on (default 4566)")
    serve_args.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback only)")
    serve_args.add_argument("--concurrency", type=int, default=10, help="the account's concurrency limit (default 10)")
    serve_args.add_argument("--region", default="us-east-1", help="the region to emulate (default us-east-1)")
    commands.add_parser("doctor", help="check this machine for what the lab needs")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port, args.concurrency, args.region)
    if args.command == "doctor":
        return doctor()
    return 2


if __name__ == "__main__":
    sys.exit(main())
