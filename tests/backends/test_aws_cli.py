"""AWS's classic CLI deployment steps, verbatim, against `lambda-lab serve` with only the endpoint set.

https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-awscli.html
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path


LAMBDA_FUNCTION = '''
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps("Hello " + event.get("name", "World"))}
'''


def aws(*args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "awscli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_serve_prints_how_to_point_a_shell_at_it(served):
    url, _, banner = served
    assert f"export AWS_ENDPOINT_URL={url}" in banner
    assert "arn:aws:iam::123456789012:role/lambda-role" in banner


def test_zip_create_function_and_invoke_as_the_tutorial_writes_them(served, tmp_path: Path):
    _, env, _ = served
    (tmp_path / "lambda_function.py").write_text(LAMBDA_FUNCTION)
    subprocess.run(["zip", "function.zip", "lambda_function.py"], cwd=tmp_path, check=True, capture_output=True)

    created = aws("lambda", "create-function", "--function-name", "hello-lambda", "--runtime", "python3.12",
                  "--handler", "lambda_function.handler", "--zip-file", "fileb://function.zip",
                  "--role", "arn:aws:iam::123456789012:role/lambda-role", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["FunctionName"] == "hello-lambda"

    invoked = aws("lambda", "invoke", "--function-name", "hello-lambda", "--payload", '{"name": "Ada"}',
                  "--log-type", "Tail", "response.json", env=env, cwd=tmp_path)
    assert invoked.returncode == 0, invoked.stderr
    meta = json.loads(invoked.stdout)
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert json.loads((tmp_path / "response.json").read_text()) == {"statusCode": 200, "body": '"Hello Ada"'}
    tail = base64.b64decode(meta["LogResult"]).decode()
    assert "REPORT RequestId:" in tail and "Init Duration:" in tail


def test_the_cli_sees_a_handler_error_as_function_error(served, tmp_path: Path):
    _, env, _ = served
    (tmp_path / "app.py").write_text("def handler(e, c):\n    raise RuntimeError('nope')\n")
    subprocess.run(["zip", "fn.zip", "app.py"], cwd=tmp_path, check=True, capture_output=True)
    assert aws("lambda", "create-function", "--function-name", "broken", "--runtime", "python3.12",
               "--handler", "app.handler", "--zip-file", "fileb://fn.zip",
               "--role", "arn:aws:iam::123456789012:role/lambda-role", env=env, cwd=tmp_path).returncode == 0
    invoked = aws("lambda", "invoke", "--function-name", "broken", "out.json", env=env, cwd=tmp_path)
    assert json.loads(invoked.stdout)["FunctionError"] == "Unhandled"
    assert json.loads((tmp_path / "out.json").read_text())["errorType"] == "RuntimeError"


def test_snapstart_as_the_activation_guide_writes_it(served, tmp_path: Path):
    # https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html: create with --snap-start,
    # publish a version, read its SnapStart, invoke the version.
    _, env, _ = served
    (tmp_path / "lambda_function.py").write_text(LAMBDA_FUNCTION)
    subprocess.run(["zip", "function.zip", "lambda_function.py"], cwd=tmp_path, check=True, capture_output=True)
    created = aws("lambda", "create-function", "--function-name", "snap-cli", "--runtime", "python3.12",
                  "--handler", "lambda_function.handler", "--zip-file", "fileb://function.zip",
                  "--role", "arn:aws:iam::123456789012:role/lambda-role", "--snap-start", "ApplyOn=PublishedVersions",
                  env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    published = aws("lambda", "publish-version", "--function-name", "snap-cli", env=env, cwd=tmp_path)
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["State"] == "Active"
    shown = aws("lambda", "get-function-configuration", "--function-name", "snap-cli:1", "--query", "SnapStart",
                env=env, cwd=tmp_path)
    assert json.loads(shown.stdout) == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    invoked = aws("lambda", "invoke", "--function-name", "snap-cli:1", "--log-type", "Tail", "out.json",
                  env=env, cwd=tmp_path)
    assert invoked.returncode == 0, invoked.stderr
    tail = base64.b64decode(json.loads(invoked.stdout)["LogResult"]).decode()
    assert "Restore Duration:" in tail and "Init Duration:" not in tail
