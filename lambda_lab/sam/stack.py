"""A deployed stack: its resources, its API addresses, and its life (create, wait, delete)."""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..errors import LambdaLabError
from ..function import Function

if TYPE_CHECKING:
    from ..lab import Lab
    from .plan import Plan



@dataclass(frozen=True)
class StackResource:
    """One resource of a deployed stack, as ``describe_stack_resources`` lists it."""

    logical_id: str
    type: str
    physical_id: str | None
    created_by: str = "CloudFormation"   # or "lab": created by API calls after the stack (see above)


class SamStack:
    """A deployed SAM application: its CloudFormation stack, plus what the lab created beside it.

    >>> stack = lab.deploy_sam("template.yaml", stack_name="orders")
    >>> stack.functions["OrdersFunction"].invoke({"id": 1})
    >>> stack.delete()
    """

    def __init__(self, lab: "Lab", name: str, template: dict, resources: dict[str, StackResource],
                 outputs: dict[str, Any]):
        self.lab, self.name = lab, name
        self.template = template      #: the CloudFormation template the SAM translator produced
        self.resources = resources    #: logical id -> StackResource
        self.outputs = outputs        #: the template's Outputs, resolved
        self.functions: dict[str, Function] = {  #: logical id -> Function, for every Lambda function
            r.logical_id: Function(lab, r.physical_id) for r in resources.values()
            if r.type == "AWS::Lambda::Function" and r.physical_id}

    def api_url(self, logical_id: str | None = None) -> str:
        """Where an API of the stack answers in the lab (a REST API: at its stage, e.g. ``Prod``)."""
        apis = [r for r in self.resources.values() if r.type in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")]
        chosen = [r for r in apis if logical_id in (None, r.logical_id)]
        if len(chosen) != 1:
            raise LambdaLabError(f"Name one of this stack's APIs, e.g. stack.api_url({apis[0].logical_id!r}) "
                                 f"(APIs: {[r.logical_id for r in apis]})." if apis else "This stack has no API.")
        api = chosen[0]
        if api.type == "AWS::ApiGatewayV2::Api":   # its $default stage answers at the root, others at /<stage>
            named = [s["StageName"] for s in self.lab.client("apigatewayv2").get_stages(ApiId=api.physical_id)["Items"]]
            return self.lab.api_url(api.physical_id, None if "$default" in named or not named else named[0])
        stages = [s["stageName"] for s in self.lab.client("apigateway").get_stages(restApiId=api.physical_id)["item"]]
        if not stages:
            raise LambdaLabError(f"The REST API {api.logical_id} is not deployed to any stage.")
        # SAM's deployment also makes a stage named "Stage"; the one the template names comes first.
        return self.lab.api_url(api.physical_id, sorted(stages, key=lambda s: s == "Stage")[0])

    def delete(self) -> None:
        """Delete the stack and what the lab created beside it (as ``sam delete`` does)."""
        delete_stack(self.lab, self.name)

    def __repr__(self) -> str:
        by_lab = sum(r.created_by == "lab" for r in self.resources.values())
        return (f"<SamStack {self.name}: {len(self.resources)} resources ({by_lab} created by the lab), "
                f"functions {sorted(self.functions)}>")

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><td>{html.escape(r.logical_id)}</td><td><code>{html.escape(r.type)}</code></td>"
                        f"<td><code>{html.escape(r.physical_id or '-')}</code></td><td>{r.created_by}</td></tr>"
                        for r in self.resources.values())
        outputs = "".join(f"<li><b>{html.escape(k)}</b>: <code>{html.escape(str(v))}</code></li>"
                          for k, v in self.outputs.items())
        return (f"<div><b>Stack {html.escape(self.name)}</b><table><tr><th>logical id</th><th>type</th>"
                f"<th>physical id</th><th>created by</th></tr>{cells}</table>"
                f"{f'Outputs:<ul>{outputs}</ul>' if outputs else ''}</div>")


def create_stack(lab: "Lab", plan: "Plan", stack_name: str,
                  parameters: dict[str, str]) -> tuple[dict[str, Any], dict[str, StackResource]]:
    """Create the CloudFormation part; its outputs and resources. A failure rolls back, as on AWS."""
    cfn = lab.client("cloudformation")
    once = lab.client("cloudformation", config=Config(retries={"total_max_attempts": 1}))  # a retry finds the stack
    try:
        plan.pseudo["AWS::StackId"] = once.create_stack(
            StackName=stack_name, TemplateBody=json.dumps(plan.stack_template),
            Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])["StackId"]
        _wait_for_stack(cfn, stack_name)
    except (ClientError, BotoCoreError, ResponseParserError, LambdaLabError) as exc:
        delete_stack(lab, stack_name)
        raise LambdaLabError(f"CloudFormation could not create stack {stack_name!r}: {reason(exc)}. Fix the "
                             "template (or what it names) and deploy again.") from None
    outputs = {o["OutputKey"]: o.get("OutputValue")
               for o in cfn.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])}
    resources = {r["LogicalResourceId"]: StackResource(r["LogicalResourceId"], r["ResourceType"],
                                                       r.get("PhysicalResourceId"))
                 for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
                 if "LogicalResourceId" in r}   # moto lists a resource whose Condition is false as {}
    return outputs, resources


# -- the stack's life ----------------------------------------------------------------------------

def deployment_bucket(lab: "Lab") -> str:
    """The lab's deployment bucket (sam deploy's is aws-sam-cli-managed-default-samclisourcebucket-...)."""
    return f"lambda-lab-sam-{lab.region}"


def _record_key(stack_name: str) -> str:
    return f"{stack_name}/lambda-lab-resources.json"


def save_undo(lab: "Lab", stack_name: str, undo: list) -> None:
    lab.client("s3").put_object(Bucket=deployment_bucket(lab), Key=_record_key(stack_name),
                                Body=json.dumps(undo).encode())


def stack_status(cfn, name: str) -> str | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except (ClientError, IndexError):
        return None


def _wait_for_stack(cfn, name: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while (status := stack_status(cfn, name) or "").endswith("IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.1)
    if status != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
        reasons = [f"{e['LogicalResourceId']}: {e['ResourceStatusReason']}"
                   for e in events if e.get("ResourceStatusReason")]
        raise LambdaLabError(f"it ended in {status or 'nothing'} ({'; '.join(reasons[:3]) or 'no reason given'})")


def reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return f"{exc.response.get('Error', {}).get('Code')}: {exc.response.get('Error', {}).get('Message')}"
    # moto answers some CloudFormation failures in JSON, which the XML parser rejects: keep the message.
    found = re.search(r'"message": "((?:[^"\\]|\\.)*)"', str(exc))
    return found[1] if found else str(exc)


def _delete_managed_policies(lab: "Lab", stack_name: str) -> None:
    """Detach the stack's managed policies from their roles, users and groups, and delete them.

    CloudFormation deletes a managed policy (detaching it) before the roles it names, which it
    depends on; moto's CloudFormation deletes the roles first and fails with DeleteConflict (and
    leaves the policies behind).
    (SAM's Connectors and policy templates make such policies.)
    """
    iam = lab.client("iam")
    try:
        resources = lab.client("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]
    except (ClientError, BotoCoreError, ResponseParserError):
        return   # a stack that failed half-way: moto answers in JSON, and has no policies to detach
    for resource in resources:
        arn = resource.get("PhysicalResourceId")
        if resource.get("ResourceType") != "AWS::IAM::ManagedPolicy" or not arn:
            continue
        try:
            entities = iam.list_entities_for_policy(PolicyArn=arn)
        except ClientError:
            continue   # already gone
        for role in entities.get("PolicyRoles", []):
            iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
        for user in entities.get("PolicyUsers", []):
            iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
        for group in entities.get("PolicyGroups", []):
            iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=arn)
        iam.delete_policy(PolicyArn=arn)   # moto's stack deletion leaves it behind


def delete_stack(lab: "Lab", stack_name: str) -> None:
    s3, cfn = lab.client("s3"), lab.client("cloudformation")
    try:
        undo = json.loads(s3.get_object(Bucket=deployment_bucket(lab), Key=_record_key(stack_name))["Body"].read())
    except ClientError:
        undo = []
    for service, operation, parameters in reversed(undo):
        try:
            getattr(lab.client(service), operation)(**parameters)
        except ClientError:
            pass  # already gone with its parent (an API's stage, a function's permission)
    if stack_status(cfn, stack_name) is not None:
        _delete_managed_policies(lab, stack_name)
        cfn.delete_stack(StackName=stack_name)
    try:
        s3.delete_object(Bucket=deployment_bucket(lab), Key=_record_key(stack_name))
    except ClientError:
        pass
