"""Custom runtimes: a shell `bootstrap` written as AWS's tutorial writes it runs unmodified.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-walkthrough.html
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import make_zip
from lambda_lab.runtime import FunctionConfig

# Verbatim from AWS's custom runtime tutorial.
BOOTSTRAP = """#!/bin/sh

set -euo pipefail

# Initialization - load function handler
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
done
"""

FUNCTION_SH = """function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"

  echo $RESPONSE
}
"""

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="the tutorial's bootstrap uses curl")


@needs_curl
@pytest.mark.parametrize("runtime", ["provided.al2023", "provided.al2"])
def test_the_tutorial_shell_bootstrap_runs_unmodified(service, runtime):
    code = make_zip({"bootstrap": BOOTSTRAP, "function.sh": FUNCTION_SH}, modes={"bootstrap": 0o755})
    service.create_function(FunctionConfig("shell", code=code, handler="function.handler", runtime=runtime))

    first = service.invoke("shell", b'{"text":"Hello"}')
    second = service.invoke("shell", b'{"text":"again"}')

    assert first.error is None, first.logs
    assert first.payload == b"""Echoing request: '{"text":"Hello"}'"""
    assert second.payload == b"""Echoing request: '{"text":"again"}'"""
    assert (first.cold, second.cold) == (True, False)
    assert '{"text":"Hello"}' in first.logs  # the handler's stderr reaches the log


def test_a_package_without_an_executable_bootstrap_is_an_invalid_entrypoint(service):
    code = make_zip({"bootstrap": BOOTSTRAP}, modes={"bootstrap": 0o644})
    service.create_function(FunctionConfig("noexec", code=code, handler="function.handler", runtime="provided.al2023"))
    result = service.invoke("noexec")
    assert result.error["errorType"] == "Runtime.InvalidEntrypoint"
    assert result.error["errorMessage"].startswith("Couldn't find valid bootstrap(s): [")
