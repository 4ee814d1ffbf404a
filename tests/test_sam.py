"""`lab.deploy_sam`: a SAM template is packaged, translated by AWS's own translator, deployed, and
every supported event type then runs the function for real.

Each event test deploys a one-function template whose handler prints the event it receives,
fires the event the way an application would (an HTTP request, an upload, a message...), and
reads the event back from the function's CloudWatch Logs.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from lambda_lab import Lab, LambdaLabError
from lambda_lab.sam import SUPPORTED_EVENTS

SHOW_EVENT = """\
import json
def handler(event, context):
    print("EVENT " + json.dumps(event))
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""


def sam_template(events: str = "", resources: str = "", function: str = "") -> str:
    """A SAM template with one function, ``Fn``, that prints each event it receives.

    ``events`` are lines under its ``Events:``, ``function`` more lines of its properties,
    ``resources`` more resources; each written as if at the top level of the file.
    """
    def indented(text: str, spaces: int) -> str:
        return textwrap.indent(textwrap.dedent(text).strip("\n"), " " * spaces) + "\n" if text.strip() else ""
    return ("Transform: AWS::Serverless-2016-10-31\n"
            "Resources:\n"
            "  Fn:\n"
            "    Type: AWS::Serverless::Function\n"
            "    Properties:\n"
            "      Runtime: python3.12\n"
            "      Handler: index.handler\n"
            "      Timeout: 10\n"
            "      InlineCode: |\n" + indented(SHOW_EVENT, 8) + indented(function, 6)
            + ("      Events:\n" + indented(events, 8) if events.strip() else "") + indented(resources, 2))


def events_seen(fn, count: int = 1, timeout_s: float = 30.0, nudge=None) -> list[dict]:
    """The events the function printed, once ``count`` have arrived (``nudge()`` runs while waiting)."""
    deadline = time.monotonic() + timeout_s
    while True:
        seen = [json.loads(line[len("EVENT "):]) for line in fn.logs().splitlines() if line.startswith("EVENT ")]
        if len(seen) >= count or time.monotonic() > deadline:
            return seen
        if nudge:
            nudge()
        time.sleep(0.1)


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        yield lab


def _physical(stack, logical_id: str) -> str:
    return stack.resources[logical_id].physical_id


def _send_order(lab, stack):
    sqs = lab.client("sqs")
    url = sqs.get_queue_url(QueueName=_physical(stack, "Orders").rsplit("/", 1)[-1])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="order-1")


def _http_api(lab, stack):
    response = requests.get(stack.api_url() + "/hello/Ada?greeting=hi", timeout=30)
    assert response.status_code == 200 and response.json() == {"ok": True}


def _rest_api(lab, stack):
    response = requests.post(stack.api_url() + "/orders/7", json={"n": 1}, timeout=30)
    assert response.status_code == 200 and response.json() == {"ok": True}


# event type, its Events entry, other resources, how to fire it, what the event must hold
CASES = [
    ("HttpApi", "Hello: {Type: HttpApi, Properties: {Path: '/hello/{name}', Method: GET}}", "", _http_api,
     lambda e: e["routeKey"] == "GET /hello/{name}" and e["pathParameters"] == {"name": "Ada"}
     and e["queryStringParameters"] == {"greeting": "hi"}),
    ("Api", "Orders: {Type: Api, Properties: {Path: '/orders/{id}', Method: ANY}}", "", _rest_api,
     lambda e: e["resource"] == "/orders/{id}" and e["httpMethod"] == "POST" and e["pathParameters"] == {"id": "7"}
     and e["requestContext"]["stage"] == "Prod" and json.loads(e["body"]) == {"n": 1}),
    ("S3", "Upload: {Type: S3, Properties: {Bucket: !Ref Photos, Events: 's3:ObjectCreated:*',"
           " Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}]}}}}",
     "Photos: {Type: AWS::S3::Bucket}",
     lambda lab, stack: [lab.client("s3").put_object(Bucket=_physical(stack, "Photos"), Key=key, Body=b"x")
                         for key in ("skipped.txt", "in/cat.jpg")],    # the filter lets in/ through only
     lambda e: e["Records"][0]["eventSource"] == "aws:s3" and e["Records"][0]["s3"]["object"]["key"] == "in/cat.jpg"),
    ("SQS", "Orders: {Type: SQS, Properties: {Queue: !GetAtt Orders.Arn, BatchSize: 5}}",
     "Orders: {Type: AWS::SQS::Queue}",
     _send_order,
     lambda e: e["Records"][0]["eventSource"] == "aws:sqs" and e["Records"][0]["body"] == "order-1"),
    ("SNS", "Alerts: {Type: SNS, Properties: {Topic: !Ref Alerts}}", "Alerts: {Type: AWS::SNS::Topic}",
     lambda lab, stack: lab.client("sns").publish(TopicArn=_physical(stack, "Alerts"), Message="disk full"),
     lambda e: e["Records"][0]["EventSource"] == "aws:sns" and e["Records"][0]["Sns"]["Message"] == "disk full"),
    ("DynamoDB", "Changes: {Type: DynamoDB, Properties: {Stream: !GetAtt Table.StreamArn,"
                 " StartingPosition: LATEST}}",
     """Table:
          Type: AWS::DynamoDB::Table
          Properties:
            AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
            KeySchema: [{AttributeName: id, KeyType: HASH}]
            BillingMode: PAY_PER_REQUEST
            StreamSpecification: {StreamViewType: NEW_IMAGE}""",
     lambda lab, stack: lab.client("dynamodb").put_item(TableName=_physical(stack, "Table"), Item={"id": {"S": "o-1"}}),
     lambda e: e["Records"][0]["eventName"] == "INSERT"
     and e["Records"][0]["dynamodb"]["Keys"] == {"id": {"S": "o-1"}}),
    ("Kinesis", "Clicks: {Type: Kinesis, Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}}",
     "Clicks: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}",
     lambda lab, stack: lab.client("kinesis").put_record(StreamName=_physical(stack, "Clicks"), Data=b"click",
                                                         PartitionKey="user-1"),
     lambda e: e["Records"][0]["eventSource"] == "aws:kinesis"
     and e["Records"][0]["kinesis"]["partitionKey"] == "user-1"),
    ("Schedule", "Tick: {Type: Schedule, Properties: {Schedule: rate(5 minutes)}}", "",
     None,  # fired by moving the lab clock, below
     lambda e: e["detail-type"] == "Scheduled Event" and e["source"] == "aws.events"),
    ("ScheduleV2", "Nightly: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(5 minutes),"
                   " Input: '{\"job\": \"nightly\", \"at\": \"<aws.scheduler.scheduled-time>\"}'}}", "",
     None,  # an EventBridge Scheduler schedule, fired by moving the lab clock too
     lambda e: e["job"] == "nightly" and e["at"].endswith("Z")),
    ("EventBridgeRule", "Paid: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop], detail-type: [paid]}}}",
     "",
     lambda lab, stack: lab.client("events").put_events(Entries=[
         {"Source": "shop", "DetailType": "paid", "Detail": json.dumps({"total": 42})}]),
     lambda e: e["source"] == "shop" and e["detail"] == {"total": 42}),
    ("CloudWatchEvent", "Old: {Type: CloudWatchEvent, Properties: {Pattern: {source: [legacy]}}}", "",
     lambda lab, stack: lab.client("events").put_events(Entries=[
         {"Source": "legacy", "DetailType": "x", "Detail": "{}"}]),
     lambda e: e["source"] == "legacy"),
]


def test_every_supported_event_type_is_tested():
    assert sorted(case[0] for case in CASES) == sorted(SUPPORTED_EVENTS)


@pytest.mark.parametrize("kind, event, resources, fire, expected", CASES, ids=[case[0] for case in CASES])
def test_each_event_type_runs_the_function_for_real(lab, kind, event, resources, fire, expected):
    # GIVEN a template whose function has one event of this type
    stack = lab.deploy_sam(sam_template(event, resources), stack_name=f"events-{kind.lower()}")
    fn = stack.functions["Fn"]
    # WHEN the event happens
    if fire:
        fire(lab, stack)
        seen = events_seen(fn)
    else:  # a schedule: move the lab clock until the scheduler (which polls) has seen the rule fire
        seen = events_seen(fn, nudge=lambda: lab.clock.advance(300))
    # THEN the function ran with AWS's event shape
    assert seen, f"{kind}: the function did not run; its logs:\n{fn.logs()}"
    assert expected(seen[0]), json.dumps(seen[0])[:2000]
    stack.delete()


def test_codeuri_globals_parameters_layers_and_outputs(lab, tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, helper, shared\n"
        "def handler(event, context):\n"
        "    return {'stage': os.environ['STAGE'], 'helper': helper.NAME, 'layer': shared.NAME}\n")
    (tmp_path / "src" / "helper.py").write_text("NAME = 'helper'\n")
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "layer" / "python" / "shared.py").write_text("NAME = 'from the layer'\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Stage: {Type: String, Default: dev}
        Globals:
          Function:
            Runtime: python3.12
            MemorySize: 256
            Timeout: 7
            Environment:
              Variables:
                STAGE: !Ref Stage
        Resources:
          Shared:
            Type: AWS::Serverless::LayerVersion
            Properties: {ContentUri: layer/, CompatibleRuntimes: [python3.12]}
          Api:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Layers: [!Ref Shared]
              FunctionUrlConfig: {AuthType: NONE}
              Events:
                Get: {Type: HttpApi, Properties: {Path: /, Method: GET}}
        Outputs:
          FunctionArn: {Value: !GetAtt Api.Arn}
          ApiUrl: {Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.amazonaws.com/"}
          FunctionUrl: {Value: !GetAtt ApiUrl.FunctionUrl}
        """))
    stack = lab.deploy_sam(tmp_path / "template.yaml", stack_name="packaged", parameters={"Stage": "prod"})
    fn = stack.functions["Api"]
    config = fn.configuration
    assert (config["MemorySize"], config["Timeout"], config["Environment"]["Variables"]) == (256, 7, {"STAGE": "prod"})
    assert fn.invoke({}).payload == {"stage": "prod", "helper": "helper", "layer": "from the layer"}
    # sam deploy's packaging: CodeUri and ContentUri became zips in S3
    code = stack.template["Resources"]["Api"]["Properties"]["Code"]
    assert code["S3Key"].startswith("packaged/") and code["S3Key"].endswith(".zip")
    # Outputs resolve, including those naming what the lab created after the stack
    api_id = _physical(stack, "ServerlessHttpApi")
    assert stack.outputs["FunctionArn"] == config["FunctionArn"]
    assert stack.outputs["ApiUrl"] == f"https://{api_id}.execute-api.{lab.region}.amazonaws.com/"
    assert re.fullmatch(rf"https://\w+\.lambda-url\.{lab.region}\.on\.aws/?", stack.outputs["FunctionUrl"])
    assert set(stack.outputs) == {"FunctionArn", "ApiUrl", "FunctionUrl"}   # not the lab's own LambdaLabValue<n>
    assert requests.get(stack.api_url(), timeout=30).json()["layer"] == "from the layer"
    function_url = lab.backend.endpoint.function_url(stack.outputs["FunctionUrl"])
    assert requests.get(function_url, timeout=30).json()["stage"] == "prod"
    stack.delete()


def test_what_sam_expands_into_and_how_the_stack_shows_itself(lab):
    stack = lab.deploy_sam(sam_template("Get: {Type: HttpApi, Properties: {Path: /, Method: GET}}"), stack_name="shown")
    types = Counter(r["Type"] for r in stack.template["Resources"].values())
    assert types == {"AWS::Lambda::Function": 1, "AWS::IAM::Role": 1, "AWS::Lambda::Permission": 1,
                     "AWS::ApiGatewayV2::Api": 1, "AWS::ApiGatewayV2::Stage": 1}
    assert {r.created_by for r in stack.resources.values()} == {"CloudFormation", "lab"}
    assert stack.resources["ServerlessHttpApi"].created_by == "lab"
    assert set(stack.resources) == set(stack.template["Resources"])
    assert repr(stack) == "<SamStack shown: 5 resources (3 created by the lab), functions ['Fn']>"
    assert "ServerlessHttpApi" in stack._repr_html_() and "AWS::IAM::Role" in stack._repr_html_()
    cfn = lab.client("cloudformation").describe_stacks(StackName="shown")["Stacks"][0]
    assert cfn["StackStatus"] == "CREATE_COMPLETE"
    stack.delete()


def test_event_invoke_config_schedule_groups_and_state_machine_arns_as_cloudformation_gives_them(lab):
    # CloudFormation: GetAtt Arn of a state machine is its ARN (as its Ref); a schedule group's Ref is
    # its name and its Arn arn:aws:scheduler:<region>:<account>:schedule-group/<name>.
    stack = lab.deploy_sam(sam_template("", function="EventInvokeConfig: {MaximumRetryAttempts: 0, "
                                                     "MaximumEventAgeInSeconds: 120}", resources="""
        Group: {Type: AWS::Scheduler::ScheduleGroup}
        Machine:
          Type: AWS::Serverless::StateMachine
          Properties:
            Definition: {StartAt: P, States: {P: {Type: Pass, Result: {group: !Ref Group}, End: true}}}
            Policies: [{Statement: [{Effect: Allow, Action: scheduler:CreateSchedule, Resource: !GetAtt Group.Arn}]}]
        """) + "Outputs:\n  MachineArn: {Value: !GetAtt Machine.Arn}\n  GroupArn: {Value: !GetAtt Group.Arn}\n",
        stack_name="identities")
    try:
        config = lab.client("lambda").get_function_event_invoke_config(FunctionName=stack.functions["Fn"].name)
        assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 120)
        assert stack.outputs["MachineArn"] == stack.resources["Machine"].physical_id
        assert stack.outputs["MachineArn"].startswith(f"arn:aws:states:{lab.region}:")
        group = lab.client("scheduler").get_schedule_group(Name=stack.resources["Group"].physical_id)
        assert stack.outputs["GroupArn"] == group["Arn"]
        sfn = lab.client("stepfunctions")
        run = sfn.start_execution(stateMachineArn=stack.outputs["MachineArn"])["executionArn"]
        assert json.loads(_until_done(sfn, run)["output"]) == {"group": group["Name"]}
    finally:
        stack.delete()


CONDITIONAL = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Listen: {Type: String, Default: "yes", AllowedValues: ["yes", "no"]}
Conditions:
  Listening: !Equals [!Ref Listen, "yes"]
Resources:
  Uploads: {Type: AWS::S3::Bucket}
  Listener:
    Type: AWS::Serverless::Function
    Condition: Listening
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            print("KEY", event["Records"][0]["s3"]["object"]["key"])
      Events:
        Upload: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: 's3:ObjectCreated:*'}}
Outputs:
  ListenerName: {Condition: Listening, Value: !Ref Listener}
  Bucket: {Value: !If [Listening, !Ref Uploads, "none"]}
"""


@pytest.mark.parametrize("listen", ["yes", "no"])
def test_conditions_decide_what_the_lab_creates_too(lab, listen):
    # SAM writes the S3 event of a function with a Condition as an Fn::If in the bucket's
    # NotificationConfiguration; CloudFormation creates neither the function nor the notification
    # when the condition is false, and leaves out an Output whose Condition is false.
    stack = lab.deploy_sam(CONDITIONAL, stack_name=f"conditional-{listen}", parameters={"Listen": listen})
    try:
        bucket = stack.resources["Uploads"].physical_id
        notifications = lab.client("s3").get_bucket_notification_configuration(Bucket=bucket)
        if listen == "no":
            assert "Listener" not in stack.functions and "ListenerName" not in stack.outputs
            assert stack.outputs["Bucket"] == "none"
            assert not notifications.get("LambdaFunctionConfigurations")
            return
        assert stack.outputs["Bucket"] == bucket and stack.outputs["ListenerName"] == stack.functions["Listener"].name
        assert len(notifications["LambdaFunctionConfigurations"]) == 1
        lab.client("s3").put_object(Bucket=bucket, Key="hello.txt", Body=b"hi")
        deadline = time.monotonic() + 30
        while "KEY hello.txt" not in stack.functions["Listener"].logs():
            assert time.monotonic() < deadline, stack.functions["Listener"].logs()
            time.sleep(0.2)
    finally:
        stack.delete()


def test_a_stack_whose_policies_are_attached_to_its_roles_deletes_cleanly(lab):
    # A SAM Connector is an AWS::IAM::ManagedPolicy attached to the function's role; CloudFormation
    # deletes (detaches) it before the role.
    stack = lab.deploy_sam(sam_template("", resources="""
        Table: {Type: AWS::Serverless::SimpleTable}
        Reads:
          Type: AWS::Serverless::Connector
          Properties: {Source: {Id: Fn}, Destination: {Id: Table}, Permissions: [Read]}
        """), stack_name="connected")
    iam = lab.client("iam")
    policy = next(r.physical_id for r in stack.resources.values() if r.type == "AWS::IAM::ManagedPolicy")
    role = next(r.physical_id for r in stack.resources.values() if r.type == "AWS::IAM::Role")
    assert [r["RoleName"] for r in iam.list_entities_for_policy(PolicyArn=policy)["PolicyRoles"]] == [role]
    stack.delete()
    deleted = lab.client("cloudformation").list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert "connected" in {s["StackName"] for s in deleted}
    assert role not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert policy not in {p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]}


def test_definition_substitutions_leave_asl_context_paths_alone(lab):
    # Fn::Sub replaces ${Name} only: ASL's $$.Execution.Name (the context object) stays as written.
    stack = lab.deploy_sam(sam_template("", resources="""
        Machine:
          Type: AWS::Serverless::StateMachine
          Properties:
            DefinitionSubstitutions: {Word: hello, FnArn: !GetAtt Fn.Arn}
            Definition:
              StartAt: P
              States:
                P: {Type: Pass, Parameters: {"name.$": "$$.Execution.Name", word: "${Word}", fn: "${FnArn}"}, End: true}
            Policies: [LambdaInvokePolicy: {FunctionName: !Ref Fn}]
        """), stack_name="substituted")
    try:
        sfn = lab.client("stepfunctions")
        run = sfn.start_execution(stateMachineArn=stack.resources["Machine"].physical_id, name="run-1")["executionArn"]
        output = json.loads(_until_done(sfn, run)["output"])
        assert output == {"name": "run-1", "word": "hello",
                          "fn": lab.client("lambda").get_function(FunctionName=stack.functions["Fn"].name)[
                              "Configuration"]["FunctionArn"]}
    finally:
        stack.delete()


def _until_done(sfn, execution_arn: str, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while (done := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.1)
    return done


def test_snapstart_with_an_alias_publishes_a_snapshotted_version_whose_cold_starts_are_restores(lab):
    # SAM's SnapStart property and AutoPublishAlias: CloudFormation publishes a version with
    # SnapStart, so the alias's cold starts restore it.
    # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-snapstart
    stack = lab.deploy_sam(sam_template("", function="AutoPublishAlias: live\nSnapStart: {ApplyOn: PublishedVersions}"),
                           stack_name="snapped")
    fn = stack.functions["Fn"]
    lam = lab.client("lambda")
    alias = lam.get_alias(FunctionName=fn.name, Name="live")
    version = lam.get_function_configuration(FunctionName=fn.name, Qualifier=alias["FunctionVersion"])
    assert version["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert version["State"] == "Active"
    first = fn.invoke({}, qualifier="live")
    assert first.cold and first.restore_ms is not None and first.init_ms is None
    assert "RESTORE_START" in first.logs
    stack.delete()


def test_deploying_again_replaces_the_stack_and_delete_removes_everything(lab):
    template = sam_template("Alerts: {Type: SNS, Properties: {Topic: !Ref Alerts}}\n"
                            "Get: {Type: Api, Properties: {Path: /, Method: GET}}", "Alerts: {Type: AWS::SNS::Topic}")
    first = lab.deploy_sam(template, stack_name="again")
    second = lab.deploy_sam(template, stack_name="again")
    names = {f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]}
    assert second.functions["Fn"].name in names and first.functions["Fn"].name not in names
    apis = [api["id"] for api in lab.client("apigateway").get_rest_apis()["items"]]
    assert apis == [_physical(second, "ServerlessRestApi")]
    second.delete()
    names = {f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]}
    assert second.functions["Fn"].name not in names
    assert lab.client("apigateway").get_rest_apis()["items"] == []
    assert lab.client("sns").list_subscriptions()["Subscriptions"] == []
    deleted = lab.client("cloudformation").list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert "again" in {s["StackName"] for s in deleted}


@pytest.mark.parametrize("template, words", [
    ("Resources:\n  Fn: {Type: AWS::Lambda::Function}\n", "add the line `Transform: AWS::Serverless-2016-10-31`"),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
     "   Properties: {}\n", "not valid YAML at line 5"),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
     "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: missing_folder/}\n",
     "CodeUri 'missing_folder/' does not exist"),
    (sam_template("Logs: {Type: CloudWatchLogs, Properties: {LogGroupName: g, FilterPattern: ''}}"),
     "Fn.Events.Logs: the lab cannot deliver SAM events of type 'CloudWatchLogs'"),
    (sam_template("Q: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:q, "
                  "FilterCriteria: {Filters: [{Pattern: 'not json'}]}}}"), "Invalid filter pattern definition"),
    (sam_template("", function="AutoPublishAlias: live\nDeploymentPreference: {Type: Linear10PercentEvery1Minute}"),
     "Fn: DeploymentPreference shifts traffic with CodeDeploy"),
    (sam_template("", function="Layers: [arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38]"),
     "belongs to account 580247275435"),
    (sam_template("", resources="Graph: {Type: AWS::AppSync::GraphQLApi, "
                                "Properties: {Name: g, AuthenticationType: API_KEY}}"),
     "Graph (AWS::AppSync::GraphQLApi) cannot be created in the lab"),
    (sam_template("Q: {Type: SQS, Properties: {BatchSize: 5}}"),
     "The SAM translator rejected the template (1 error):\n  - Resource with id [FnQ] is invalid. Missing "
     "required property 'Queue'."),
    (sam_template("", resources="Machine: {Type: AWS::StepFunctions::StateMachine, Properties: "
                                "{DefinitionString: '{\"StartAt\": \"P\", \"States\": {\"P\": {\"Type\": \"Pass\", \"End\": true}}}'}}"),
     "required key [RoleArn] not found"),
    (sam_template("", resources="Table: {Type: AWS::DynamoDB::Table, Properties: {BillingMode: PAY_PER_REQUEST, "
                                "KeySchema: [{AttributeName: id, KeyType: HASH}], AttributeDefinitions: "
                                "[{AttributeName: id, AttributeType: S}], KinesisStreamSpecification: "
                                "{StreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s'}}}"),
     "Table.KinesisStreamSpecification: on AWS, DynamoDB writes every item change to that Kinesis data stream"),
    ("no_such_template.yaml", "There is no template file 'no_such_template.yaml'"),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n"
     "    Properties: {StageName: Prod, DefinitionUri: openapi.yaml}\n",
     "Api.DefinitionUri: there is no file"),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Q: {Type: AWS::SQS::Queue}\n  Fn:\n"
     "    Type: AWS::Serverless::Function\n"
     "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: s3://no-such-bucket/code.zip}\n",
     "CloudFormation could not create stack 'refused': Error occurred while GetObject. S3 Error Code: NoSuchBucket"),
    (sam_template("Alerts: {Type: SNS, Properties: {Topic: 'arn:aws:sns:us-east-1:123456789012:no-such-topic'}}"),
     "Could not create FnAlerts (AWS::SNS::Subscription) in the lab: NotFound"),
])
def test_a_template_the_lab_cannot_deploy_is_refused_before_anything_is_created(lab, template, words):
    with pytest.raises(LambdaLabError) as raised:
        lab.deploy_sam(template, stack_name="refused")
    assert words in str(raised.value)
    with pytest.raises(Exception):   # nothing was created, or it was rolled back
        lab.client("cloudformation").describe_stacks(StackName="refused")
    assert not any("refused" in url for url in lab.client("sqs").list_queues().get("QueueUrls", []))


def test_a_bad_stack_name_is_refused(lab):
    with pytest.raises(LambdaLabError, match="is not valid"):
        lab.deploy_sam(sam_template(), stack_name="1-starts-with-a-digit")


class _RealAccountBackend:
    """A stand-in for Lab.aws()'s backend: deploy_sam must refuse before it calls anything."""

    kind = "aws"


def test_on_a_real_account_deploy_sam_points_to_sam_deploy():
    with pytest.raises(LambdaLabError, match="sam deploy"):
        Lab(_RealAccountBackend()).deploy_sam(sam_template())
