"""Deploy an AWS SAM template into the lab, as ``sam deploy`` does.

    stack = lab.deploy_sam("template.yaml", stack_name="orders")
    stack.functions["OrdersFunction"].invoke({})      # a lambda_lab Function
    requests.get(stack.api_url() + "/orders")         # an Api or HttpApi event, served for real

``sam deploy`` zips each local ``CodeUri`` folder into S3, hands the template to CloudFormation,
and CloudFormation runs AWS's SAM transform. We take the same steps with AWS's own translator
(``aws-sam-translator``), since moto's CloudFormation has no SAM transform, and create the plain
CloudFormation stack on the lab's endpoint.
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-deploy.html

What the lab does as ``sam build`` and CloudFormation would (build.py, template.py, providers.py):

- A function's ``requirements.txt`` is pip-installed beside its code (cached), and a layer with
  ``Metadata: BuildMethod: python3.x`` is built under ``python/``, as ``sam build`` does. A function
  without ``CodeUri`` gets the template's folder. Inline Python code gets AWS's ``cfnresponse`` module.
- ``Fn::Transform: AWS::Include`` and a local ``DefinitionUri`` (state machine or API) are read from
  the template's folder; unquoted dates (``Version: 2012-10-17``) stay strings, as CloudFormation reads them.
- Custom resources backed by a function of the template run as CloudFormation runs them (a Create
  request with a presigned S3 ResponseURL; Delete when the stack is deleted). ``AutoPublishAlias``,
  ``FilterCriteria``, ``ScheduleV2``, queue and topic policies, Secrets Manager secrets, schedule
  groups, ``EventInvokeConfig`` and plain ``AWS::ApiGateway::Resource``/``Method``/``Model``/
  ``RequestValidator`` work; an API's integrations, templates, validators and resource policy are
  served by the lab's API Gateway front.
- ``Conditions`` decide what the lab creates too: CloudFormation evaluates them, and the lab reads
  its answers through extra Outputs (``LambdaLabValueIf<name>``), so a resource, an Output or an
  ``Fn::If`` branch (SAM writes one for the S3 event of a conditional function) follows them.
- AWS's public Powertools layers are built from PyPI (``lambda_lab.public_layers``).
- Stack deletion detaches and deletes the stack's managed policies first, as CloudFormation's order
  does (moto's deletes the roles first and fails).

Where the lab departs from AWS:

- moto's CloudFormation cannot create some of what the translator emits (API Gateway APIs from an
  OpenAPI ``Body`` and their stages, SNS subscriptions, function URLs, layer versions, versions and
  aliases, policies, secrets, schedules, custom resources) and ignores a bucket's
  ``NotificationConfiguration`` and a function's ``Layers``. The lab creates those itself with
  ordinary API calls right after the stack, so every event works: ``stack.resources`` lists them
  with ``created_by="lab"``; CloudFormation's own list does not. The values they need from the
  stack are read through extra stack Outputs named ``LambdaLabValue<n>``; a function property that
  needs one of theirs (an environment variable holding a custom resource's value) is applied by
  UpdateFunctionConfiguration just after. A function's ``Architectures`` is ignored (the lab runs
  every function on this machine's CPU), and pip installs for this machine's Python.
- Deploying again to the same ``stack_name`` replaces the stack (``sam deploy`` updates it in place).
- An API answers at ``stack.api_url()`` on the lab's endpoint, not at the
  ``https://<id>.execute-api...`` address an ``Outputs`` entry computes. Authorizers are not enforced.
- An event source mapping on an alias invokes the alias's version; the function sees the version's
  ARN as ``invoked_function_arn``.
- What the lab cannot deliver (event types such as ``CloudWatchLogs``, events on state machines,
  ``DeploymentPreference``, layers of other accounts, a table's ``KinesisStreamSpecification``,
  macros other than AWS::Include) is refused with a clear error before anything is created, never
  dropped; so is what CloudFormation itself refuses (a state machine without ``RoleArn``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ..errors import LambdaLabError
from .build import inline_code, package
from .plan import NO_VALUE, Plan
from .providers import PROVIDERS, custom_resource, is_custom, state_machines_to_the_executing_backend
from .stack import (
    SamStack,
    StackResource,
    create_stack,
    delete_stack,
    deployment_bucket,
    reason,
    save_undo,
    stack_status,
)
from .template import SUPPORTED_EVENTS, check, expand_files, load, translate

if TYPE_CHECKING:
    from ..lab import Lab

__all__ = ["SamStack", "StackResource", "deploy_sam", "SUPPORTED_EVENTS"]

_STACK_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,127}$")


def deploy_sam(lab: "Lab", template: str | Path, *, stack_name: str = "lab-sam",
               parameters: dict[str, str] | None = None) -> SamStack:
    """Package, transform and deploy a SAM template; see :meth:`lambda_lab.Lab.deploy_sam`."""
    if lab.backend.kind == "aws":
        raise LambdaLabError("deploy_sam runs in the local lab. On a real account, deploy with AWS's own tool: "
                             "`sam deploy --guided` (https://docs.aws.amazon.com/serverless-application-model/).")
    if not _STACK_NAME.match(stack_name):
        raise LambdaLabError(f"Stack name {stack_name!r} is not valid: a letter first, then letters, digits "
                             "or hyphens.")
    sam, folder = load(template)
    account_id = lab.client("sts").get_caller_identity()["Account"]
    expand_files(sam, folder)
    check(sam, account_id)
    package(lab, sam, folder, stack_name)
    cfn_template = translate(lab, sam, parameters or {})
    inline_code(lab, cfn_template, stack_name)
    if stack_status(lab.client("cloudformation"), stack_name) is not None:
        delete_stack(lab, stack_name)    # deploying again replaces the stack (see the notes above)
    plan = Plan(cfn_template, {"AWS::Region": lab.region, "AWS::Partition": "aws", "AWS::StackName": stack_name,
                                "AWS::AccountId": account_id,
                                "AWS::StackId": "", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": NO_VALUE})
    outputs, resources = create_stack(lab, plan, stack_name, parameters or {})
    undo: list = []   # what to delete later, kept in the lab's S3 (a later kernel may delete the stack)
    try:
        undo += state_machines_to_the_executing_backend(lab, resources)
        for logical_id, kind, properties in plan.lab_side(outputs):
            try:
                if is_custom(kind):
                    plan.created[logical_id], calls = custom_resource(
                        lab, {**properties, "_id": logical_id}, stack_id=plan.pseudo["AWS::StackId"],
                        bucket=deployment_bucket(lab), resource_type=kind)
                else:
                    plan.created[logical_id], calls = PROVIDERS[kind](lab, {**properties, "_id": logical_id})
            except ClientError as exc:
                raise LambdaLabError(f"Could not create {logical_id} ({kind}) in the lab: {reason(exc)}") from None
            undo += calls
            if not kind.startswith("LambdaLab::"):
                resources[logical_id] = StackResource(logical_id, kind, plan.created[logical_id]["Ref"], "lab")
    except LambdaLabError:
        save_undo(lab, stack_name, undo)
        delete_stack(lab, stack_name)    # roll back, as CloudFormation does when a resource fails
        raise
    save_undo(lab, stack_name, undo)
    outputs = {k: v for k, v in outputs.items() if not k.startswith(Plan.PREFIX)}
    outputs.update(plan.late_output_values())
    return SamStack(lab, stack_name, cfn_template, resources, outputs)
