"""`lab.deploy_sam` does what `sam build` + `sam deploy` + CloudFormation do for the resources and
properties public SAM applications use: each test deploys a small template and checks what AWS
documents for it (the page is cited above each test).
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from lambda_lab import Lab, LambdaLabError

HEADER = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        yield lab


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        body = text[len(HEADER):] if text.startswith(HEADER) else text
        (folder / name).write_text((HEADER if body is not text else "") + textwrap.dedent(body).lstrip("\n"))
    return folder / "template.yaml"


def until(check, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html: a YAML
# template's unquoted 2012-10-17 is the policy version string, not a date.
def test_an_unquoted_policy_version_date_deploys(lab, tmp_path):
    template = write(tmp_path, {"template.yaml": HEADER + """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: "def handler(event, context):\\n    return 'ok'\\n"
              Policies:
                - Version: 2012-10-17
                  Statement: [{Effect: Allow, Action: s3:GetObject, Resource: '*'}]
        """})
    stack = lab.deploy_sam(template, stack_name="dates")
    assert stack.functions["Fn"].invoke({}).payload == "ok"
    policies = lab.client("iam").list_role_policies(RoleName=stack.resources["FnRole"].physical_id)["PolicyNames"]
    document = lab.client("iam").get_role_policy(RoleName=stack.resources["FnRole"].physical_id,
                                                 PolicyName=policies[0])["PolicyDocument"]
    assert "2012-10-17" in str(document)   # the version string, not datetime.date(2012, 10, 17)
    stack.delete()


# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-build.html:
# no CodeUri means the template's folder; requirements.txt is installed beside the code.
def test_sam_build_installs_requirements_and_codeuri_defaults_to_the_template_folder(lab, tmp_path, tiny_wheel):
    template = write(tmp_path, {
        "template.yaml": HEADER + """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties: {Runtime: python3.12, Handler: app.handler}
            """,
        "app.py": "import tinydep\ndef handler(event, context):\n    return tinydep.GREETING\n",
        "requirements.txt": f"# the app's one dependency\n{tiny_wheel}\n"})
    stack = lab.deploy_sam(template, stack_name="build")
    assert stack.functions["Fn"].invoke({}).payload == "hello from tinydep"
    stack.delete()


# A layer with Metadata BuildMethod python3.x is built into python/ (the folder Lambda puts on sys.path).
def test_a_python_layer_is_built_under_python(lab, tmp_path, tiny_wheel):
    template = write(tmp_path, {
        "template.yaml": HEADER + """
            Resources:
              Deps:
                Type: AWS::Serverless::LayerVersion
                Properties: {ContentUri: deps/, CompatibleRuntimes: [python3.12]}
                Metadata: {BuildMethod: python3.12}
              Fn:
                Type: AWS::Serverless::Function
                Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, Layers: [!Ref Deps]}
            """,
        "deps/requirements.txt": f"{tiny_wheel}\n",
        "deps/helpers.py": "def shout(text):\n    return text.upper()\n",
        "src/app.py": "import helpers, tinydep\ndef handler(event, context):\n"
                      "    return helpers.shout(tinydep.GREETING)\n"})
    stack = lab.deploy_sam(template, stack_name="layer-build")
    assert stack.functions["Fn"].invoke({}).payload == "HELLO FROM TINYDEP"
    stack.delete()


def test_a_requirements_file_with_pip_options_is_refused_naming_the_line(lab, tmp_path):
    template = write(tmp_path, {
        "template.yaml": HEADER + "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                                  "    Properties: {Runtime: python3.12, Handler: app.handler}\n",
        "app.py": "def handler(event, context):\n    return 1\n",
        "requirements.txt": "--index-url https://example.com/simple\nrequests\n"})
    with pytest.raises(LambdaLabError, match=r"requirements.txt line 1, '--index-url"):
        lab.deploy_sam(template, stack_name="options")


# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-include.html and
# SAM's DefinitionUri for a state machine; DefinitionSubstitutions fill ${...} in the definition.
def test_include_definition_uri_and_substitutions(lab, tmp_path):
    template = write(tmp_path, {
        "template.yaml": HEADER + """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: index.handler
                  InlineCode: "def handler(event, context):\\n    return {'total': event['n'] * 2}\\n"
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  DefinitionUri: statemachine/flow.asl.json
                  DefinitionSubstitutions: {DoubleArn: !GetAtt Fn.Arn}
                  Policies: [{LambdaInvokePolicy: {FunctionName: !Ref Fn}}]
              'Fn::Transform':
                Name: AWS::Include
                Parameters: {Location: extra.yaml}
            """,
        "statemachine/flow.asl.json": json.dumps({"StartAt": "Double", "States": {"Double": {
            "Type": "Task", "Resource": "${DoubleArn}", "End": True}}}),
        "extra.yaml": "Extra:\n  Type: AWS::SQS::Queue\n"})
    stack = lab.deploy_sam(template, stack_name="include")
    assert "Extra" in stack.resources                      # the included resource was created
    sfn = lab.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=stack.resources["Flow"].physical_id, input='{"n": 21}')
    done = until(lambda: (d := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] != "RUNNING"
                 and d)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"total": 42}
    stack.delete()


# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-autopublishalias
# and https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (SQS: messages
# that match no filter are deleted, never delivered).
def test_auto_publish_alias_and_filter_criteria(lab, tmp_path):
    template = write(tmp_path, {"template.yaml": HEADER + """
        Resources:
          Orders: {Type: AWS::SQS::Queue}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              AutoPublishAlias: live
              InlineCode: |
                import json
                def handler(event, context):
                    for record in event["Records"]:
                        print("GOT " + record["body"] + " via " + context.invoked_function_arn)
              Events:
                Paid:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt Orders.Arn
                    FilterCriteria: {Filters: [{Pattern: '{"body": {"status": ["paid"]}}'}]}
        """})
    stack = lab.deploy_sam(template, stack_name="alias")
    fn = stack.functions["Fn"]
    alias = lab.client("lambda").get_alias(FunctionName=fn.name, Name="live")
    assert alias["FunctionVersion"] == "1"
    sqs = lab.client("sqs")
    url = sqs.get_queue_url(QueueName=stack.resources["Orders"].physical_id.rsplit("/", 1)[-1])["QueueUrl"]
    for status in ("open", "paid"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"status": status}))
    seen = until(lambda: [line for line in fn.logs().splitlines() if line.startswith("GOT ")])
    time.sleep(1.5)   # give the unmatched message time to (wrongly) arrive
    seen = [line for line in fn.logs().splitlines() if line.startswith("GOT ")]
    # Where the lab departs from AWS: the mapping invokes the alias's version, so the function sees the
    # version's ARN (":1") as invoked_function_arn where AWS gives the alias's (":live").
    assert len(seen) == 1 and '"paid"' in seen[0] and seen[0].endswith(":1"), seen
    assert until(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                 ["ApproximateNumberOfMessages"] == "0" and sqs.get_queue_attributes(
                     QueueUrl=url, AttributeNames=["All"])["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0")
    stack.delete()


# Resources moto's CloudFormation lacks, created as CloudFormation would:
# AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy, AWS::SecretsManager::Secret (GenerateSecretString),
# and a custom resource answered with cfnresponse (crpg-ref-requests.html).
def test_policies_secrets_and_a_custom_resource(lab, tmp_path):
    template = write(tmp_path, {"template.yaml": HEADER + """
        Resources:
          Inbox: {Type: AWS::SQS::Queue}
          Alerts: {Type: AWS::SNS::Topic}
          InboxPolicy:
            Type: AWS::SQS::QueuePolicy
            Properties:
              Queues: [!Ref Inbox]
              PolicyDocument:
                Version: 2012-10-17
                Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sqs:SendMessage,
                             Resource: !GetAtt Inbox.Arn}]
          AlertsPolicy:
            Type: AWS::SNS::TopicPolicy
            Properties:
              Topics: [!Ref Alerts]
              PolicyDocument:
                Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sns:Publish,
                             Resource: !Ref Alerts}]
          Password:
            Type: AWS::SecretsManager::Secret
            Properties:
              GenerateSecretString: {SecretStringTemplate: '{"user": "admin"}', GenerateStringKey: password,
                                     PasswordLength: 20, ExcludePunctuation: true}
          Seed:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: |
                import cfnresponse
                def handler(event, context):
                    size = int(event["ResourceProperties"].get("Size", 0))
                    cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Doubled": size * 2}, "seed-1")
          Seeded:
            Type: Custom::Seed
            Properties: {ServiceToken: !GetAtt Seed.Arn, Size: 21}
          Reader:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              Environment: {Variables: {SECRET_ARN: !Ref Password, DOUBLED: !GetAtt Seeded.Doubled}}
              InlineCode: |
                import json, os, boto3
                def handler(event, context):
                    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET_ARN"])
                    return {"user": json.loads(secret["SecretString"])["user"], "doubled": os.environ["DOUBLED"]}
        """})
    stack = lab.deploy_sam(template, stack_name="extras")
    queue_url = stack.resources["Inbox"].physical_id
    policy = json.loads(lab.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])
                        ["Attributes"]["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "sns.amazonaws.com"}
    topic = lab.client("sns").get_topic_attributes(TopicArn=stack.resources["Alerts"].physical_id)["Attributes"]
    assert "events.amazonaws.com" in topic["Policy"]
    secret = json.loads(lab.client("secretsmanager").get_secret_value(
        SecretId=stack.resources["Password"].physical_id)["SecretString"])
    assert secret["user"] == "admin" and len(secret["password"]) == 20 and secret["password"].isalnum()
    assert stack.resources["Seeded"].physical_id == "seed-1"
    assert stack.functions["Reader"].invoke({}).payload == {"user": "admin", "doubled": "42"}
    stack.delete()


def test_a_failed_custom_resource_rolls_the_stack_back_with_its_reason(lab, tmp_path):
    template = write(tmp_path, {"template.yaml": HEADER + """
        Resources:
          Seed:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: |
                import cfnresponse
                def handler(event, context):
                    cfnresponse.send(event, context, cfnresponse.FAILED, {}, reason="the seed data is missing")
          Seeded:
            Type: Custom::Seed
            Properties: {ServiceToken: !GetAtt Seed.Arn}
        """})
    with pytest.raises(LambdaLabError, match="Seeded .Custom::Seed. failed to create: the seed data is missing"):
        lab.deploy_sam(template, stack_name="failed-seed")
    with pytest.raises(Exception):
        lab.client("cloudformation").describe_stacks(StackName="failed-seed")
