"""Public SAM applications, deployed with `lab.deploy_sam` and exercised as their READMEs say.

Each folder of tests/fixtures/sam_apps holds one application as its repository has it (template,
code, requirements) and a ``case.yaml``: where it comes from, and the steps of its README, each
with the result the README documents. An app that needs the internet is exercised up to that
point. An app the lab cannot run yet is listed in KNOWN_GAPS with what stops it, as a strict
xfail: its test must still fail, and fails loudly the day the app starts working, so the list
stays true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from lambda_lab import Lab
from lambda_lab.errors import LambdaLabError

APPS = Path(__file__).parent / "fixtures" / "sam_apps"
CASES = sorted(p.parent.name for p in APPS.glob("*/case.yaml"))

#: app -> what stops it in the lab today (the first failure; more may follow once it is fixed).
KNOWN_GAPS: dict[str, str] = {
    "alb_lambda_python": "AWS::ResourceGroups::Group and ApplicationInsights, which moto cannot create, are refused; "
                         "an ALB would not serve traffic in the lab either, and aws_lambda_powertools is in no "
                         "requirements file",
    "apigw_ddb_kinesis_lambda": "a table's KinesisStreamSpecification is refused: the lab does not stream table "
                                "changes to Kinesis",
    "comprehend_language": "Amazon Comprehend's DetectDominantLanguage is not emulated (moto has no model of it): "
                           "the function's call fails (502)",
}


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        yield lab


def _template(folder: Path) -> Path:
    for name in ("template.yaml", "template.yml", "template.json"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no template")


def _until(check, within_s: float):
    deadline = time.monotonic() + within_s
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


class _Steps:
    """Runs one case.yaml step against a deployed stack."""

    def __init__(self, lab: Lab, stack):
        self.lab, self.stack = lab, stack

    def physical(self, logical_id: str) -> str:
        return self.stack.resources[logical_id].physical_id

    def run(self, step: dict) -> None:
        getattr(self, step["action"])(step)

    # -- causes --------------------------------------------------------------------------
    def invoke(self, step):
        result = self.stack.functions[step["function"]].invoke(step.get("event", {}))
        expect = step.get("expect") or {}
        text = result.payload if isinstance(result.payload, str) else json.dumps(result.payload)
        if "payload_contains" in expect:
            assert expect["payload_contains"] in text, (text, result.logs)
        if "status_code" in expect:
            assert result.payload.get("statusCode") == expect["status_code"], text
        if "error_type" in expect:
            assert result.error and expect["error_type"] in str(result.error), (result.error, text)
        elif "error_type" not in expect:
            assert result.error is None, (result.error, result.logs)

    def http(self, step):
        base = self.stack.api_url(step.get("api"))
        path = step["path"]
        for logical_id in self.stack.resources:
            path = path.replace("{" + logical_id + "}", str(self.physical(logical_id)))
        expect = step.get("expect") or {}

        def call():
            return requests.request(step.get("method", "GET"), base.rstrip("/") + path, data=step.get("body"),
                                    headers=step.get("headers"), timeout=60)
        response = call()
        deadline = time.monotonic() + step.get("retry_s", 0)   # until the effect arrives (a queue drained...)
        while response.status_code != expect.get("status", response.status_code) and time.monotonic() < deadline:
            time.sleep(0.5)
            response = call()
        if "status" in expect:
            assert response.status_code == expect["status"], (response.status_code, response.text[:500])
        if "body_contains" in expect:
            assert expect["body_contains"] in response.text, response.text[:500]
        for name, value in (expect.get("headers") or {}).items():
            assert response.headers.get(name) == value, (name, dict(response.headers))

    def s3_put(self, step):
        self.lab.client("s3").put_object(Bucket=self.physical(step["bucket_resource"]), Key=step["key"],
                                         Body=step.get("body", "").encode())

    def sqs_send(self, step):
        url = self.physical(step["queue_resource"])
        body = step["body"] if isinstance(step["body"], str) else json.dumps(step["body"])
        extra = {api: step[key] for key, api in (("message_group_id", "MessageGroupId"),
                                                 ("message_deduplication_id", "MessageDeduplicationId")) if key in step}
        self.lab.client("sqs").send_message(QueueUrl=url, MessageBody=body, **extra)

    def sns_publish(self, step):
        message = step["message"] if isinstance(step["message"], str) else json.dumps(step["message"])
        self.lab.client("sns").publish(TopicArn=self.physical(step["topic_resource"]), Message=message)

    def eventbridge_put(self, step):
        bus = step.get("bus_resource", "default")
        self.lab.client("events").put_events(Entries=[{
            "Source": step["source"], "DetailType": step["detail_type"], "Detail": json.dumps(step.get("detail", {})),
            "EventBusName": "default" if bus == "default" else self.physical(bus)}])

    def ddb_put(self, step):
        from boto3.dynamodb.types import TypeSerializer
        item = {k: TypeSerializer().serialize(v) for k, v in step["item"].items()}
        self.lab.client("dynamodb").put_item(TableName=self.physical(step["table_resource"]), Item=item)

    def kinesis_put(self, step):
        self.lab.client("kinesis").put_record(StreamName=self.physical(step["stream_resource"]),
                                              Data=step["data"].encode(), PartitionKey=step["partition_key"])

    def glue_create_job(self, step):
        self.lab.client("glue").create_job(Name=step["name"], Role="arn:aws:iam::123456789012:role/lab",
                                           Command={"Name": "glueetl", "ScriptLocation": "s3://lab/job.py"})

    def start_execution(self, step):
        sfn = self.lab.client("stepfunctions")
        arn = sfn.start_execution(stateMachineArn=self.physical(step["state_machine"]),
                                  input=json.dumps(step.get("input", {})))["executionArn"]
        done = _until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      step.get("within_s", 60))
        expect = step.get("expect") or {}
        assert done, "the execution did not finish"
        if "status" in expect:
            assert done["status"] == expect["status"], done
        if "output_contains" in expect:
            assert expect["output_contains"] in done.get("output", ""), done

    # -- effects -------------------------------------------------------------------------
    def logs_contain(self, step):
        fn = self.stack.functions[step["function"]]
        assert _until(lambda: step["text"] in fn.logs(), step.get("within_s", 30)), fn.logs()[-3000:]

    def logs_absent(self, step):
        fn = self.stack.functions[step["function"]]
        time.sleep(step.get("within_s", 10))
        assert step["text"] not in fn.logs(), fn.logs()[-3000:]

    def ddb_scan_contains(self, step):
        table = self.physical(step["table_resource"])
        assert _until(lambda: step["text"] in json.dumps(self.lab.client("dynamodb").scan(TableName=table)["Items"]),
                      step.get("within_s", 30))

    def s3_get_contains(self, step):
        s3 = self.lab.client("s3")

        def body():
            try:
                return s3.get_object(Bucket=self.physical(step["bucket_resource"]), Key=step["key"])["Body"].read()
            except Exception:  # noqa: BLE001 - not there yet
                return b""
        assert step["text"].encode() in _until(body, step.get("within_s", 30))

    def schedules_contain(self, step):
        scheduler = self.lab.client("scheduler")

        def matching():
            found = scheduler.list_schedules(**({"GroupName": step["group"]} if "group" in step else {}))
            return [s for s in found["Schedules"] if s["Name"].startswith(step["name_prefix"])]
        assert len(_until(lambda: len(matching()) >= step["count"] and matching(), step.get("within_s", 30)) or []) \
            >= step["count"]


def test_the_corpus_has_at_least_25_apps():
    assert len(CASES) >= 25, CASES


def test_every_known_gap_is_an_app_of_the_corpus():
    assert set(KNOWN_GAPS) <= set(CASES)


@pytest.mark.parametrize("app", [pytest.param(app, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[app]))
                                 if app in KNOWN_GAPS else app for app in CASES])
def test_a_public_sam_app_deploys_and_does_what_its_readme_says(lab, app, tmp_path):
    folder = APPS / app
    case = yaml.safe_load((folder / "case.yaml").read_text())
    stack_name = "app-" + app.replace("_", "-")
    if "build_script" in case:
        # The README builds part of the app with its own script before deploying: without it the
        # lab must name the script; then the test runs it (in a copy) as the README says.
        with pytest.raises(LambdaLabError, match=f"The app's own script {case['build_script']} makes that folder"):
            lab.deploy_sam(_template(folder), stack_name=stack_name, parameters=case.get("parameters") or {})
        folder = Path(shutil.copytree(folder, tmp_path / app))
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"   # pip3 of this Python
        subprocess.run(["bash", case["build_script"]], cwd=folder, check=True, env={**os.environ, "PATH": path},
                       capture_output=True, timeout=600)
    if "refused_as_on_aws" in case:
        # An app that CloudFormation itself refuses (one written for a local emulator): the lab must
        # refuse it before creating anything, naming what AWS says and what to change.
        with pytest.raises(LambdaLabError) as refused:
            lab.deploy_sam(_template(folder), stack_name=stack_name, parameters=case.get("parameters") or {})
        for text in case["refused_as_on_aws"]:
            assert text in str(refused.value), str(refused.value)
        assert lab.client("cloudformation").list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"] \
            == [s for s in lab.client("cloudformation").list_stacks(StackStatusFilter=["CREATE_COMPLETE"])[
                "StackSummaries"] if s["StackName"] != stack_name]
        return
    stack = lab.deploy_sam(_template(folder), stack_name=stack_name, parameters=case.get("parameters") or {})
    try:
        steps = _Steps(lab, stack)
        for number, step in enumerate(case["exercise"], 1):
            try:
                steps.run(step)
            except AssertionError as exc:
                raise AssertionError(f"{app} step {number} {step}: {exc}") from None
    finally:
        stack.delete()
