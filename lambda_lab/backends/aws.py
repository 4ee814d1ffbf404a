"""A real AWS account: explicit opt-in, everything tagged, a teardown that removes exactly that.

https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
The execution role it creates may only write the function's own logs (least privilege).
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError, ProfileNotFound

from ..clock import SystemClock
from ..errors import CostLimitError, LambdaLabError

__all__ = ["AwsBackend", "CostLimitError", "TAG_KEY"]

TAG_KEY = "lambda-lab"
_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
_ROLE_PROPAGATION_S = 60.0


class AwsBackend:
    kind = "aws"

    def __init__(self, *, region: str | None = None, profile: str | None = None, cost_limit_usd: float = 1.0,
                 endpoint_url: str | None = None, announce: bool = True):
        try:
            self._session = boto3.Session(profile_name=profile, region_name=region)
        except ProfileNotFound:
            raise LambdaLabError(f"There is no AWS profile named {profile!r}: run `aws configure --profile "
                                 f"{profile}` or pick one from `aws configure list-profiles`.") from None
        self.region = self._session.region_name or ""
        if not self.region:
            raise LambdaLabError("No AWS region is set: pass Lab.aws(region='us-east-1') or set AWS_DEFAULT_REGION.")
        self.endpoint_url = endpoint_url
        self.clock = SystemClock()
        self.cost_limit_usd = cost_limit_usd
        self.lab_id = uuid.uuid4().hex[:8]
        self._role_arn: str | None = None
        self._created_functions: set[str] = set()
        self.account_id, self.identity = self._whoami()
        if announce:
            print(f"Connected to AWS account {self.account_id} in {self.region} as {self.identity}.\n"
                  f"Everything this lab creates is tagged {TAG_KEY}={self.lab_id}; lab.teardown() deletes it.")

    def _whoami(self) -> tuple[str, str]:
        try:
            identity = self.client("sts").get_caller_identity()
        except (NoCredentialsError, NoRegionError):
            raise LambdaLabError(
                "No AWS credentials found. Configure them with `aws configure` (or `aws sso login` and "
                "AWS_PROFILE), then run Lab.aws() again. The local lab needs none: Lab.local().") from None
        except ClientError as exc:
            raise LambdaLabError(f"AWS refused these credentials: {exc.response['Error']['Message']}. "
                                 "Check them with `aws sts get-caller-identity`.") from None
        return identity["Account"], identity["Arn"]

    def session(self) -> boto3.Session:
        return self._session

    def client(self, service: str, **kwargs):
        if self.endpoint_url:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        return self._session.client(service, **kwargs)

    def capacity_provider_placement(self, subnets: list[str], operator_role: str | None) -> tuple[list[str], str]:
        if not subnets or not operator_role:
            raise LambdaLabError(
                "On a real account a capacity provider runs EC2 instances in your VPC: give subnets=[...] (and "
                "security_groups=[...]) and operator_role='arn:aws:iam::ACCOUNT:role/NAME' (a role with the "
                "AWSLambdaManagedEC2ResourceOperator managed policy).")
        return subnets, operator_role

    def tags(self) -> dict[str, str]:
        return {TAG_KEY: self.lab_id}

    def api_url(self, api_id: str, stage: str | None = None) -> str:
        return f"https://{api_id}.execute-api.{self.region}.amazonaws.com" + (f"/{stage}" if stage else "")

    def layer_arn(self, arn: str) -> str:
        return arn   # AWS's own account serves its public layers

    # -- the execution role ---------------------------------------------------------------

    def execution_role_arn(self) -> str:
        """A role that may write only its functions' logs; created once, on first deploy."""
        if self._role_arn is None:
            self._role_arn = self._create_role()
        return self._role_arn

    def _create_role(self) -> str:
        iam = self.client("iam")
        name = f"lambda-lab-{self.lab_id}"
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(_TRUST),
                               Description="Execution role created by lambda_lab; lab.teardown() deletes it",
                               Tags=[{"Key": TAG_KEY, "Value": self.lab_id}])["Role"]
        logs_arn = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:/aws/lambda/*"
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": logs_arn},
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{logs_arn}:*"}]}
        iam.put_role_policy(RoleName=name, PolicyName="write-own-logs", PolicyDocument=json.dumps(policy))
        iam.get_waiter("role_exists").wait(RoleName=name)
        return role["Arn"]

    def wait_for_role(self, create) -> None:
        """Run ``create()``, retrying while IAM has not yet propagated a new role to Lambda."""
        deadline = time.monotonic() + _ROLE_PROPAGATION_S
        delay = 1.0
        while True:
            try:
                return create()
            except ClientError as exc:
                message = exc.response.get("Error", {}).get("Message", "")
                if "cannot be assumed" not in message or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 8.0)

    # -- cost and cleanup -----------------------------------------------------------------

    def check_cost(self, usd: float, what: str, *, confirm: bool = False) -> None:
        if usd > self.cost_limit_usd and not confirm:
            raise CostLimitError(
                f"{what} is estimated to cost ${usd:.2f} on your AWS account, over this lab's limit of "
                f"${self.cost_limit_usd:.2f}. Pass confirm=True to go ahead, or open the lab with a higher "
                "Lab.aws(cost_limit_usd=...).")

    def direct_invoker(self):
        return None   # a real account is reached through its API only

    def teardown(self) -> list[str]:
        """Delete this lab's tagged functions, their log groups, and its role. Safe to run twice."""
        deleted = []
        lam, logs = self.client("lambda"), self.client("logs")
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                tags = lam.list_tags(Resource=fn["FunctionArn"]).get("Tags", {})
                if tags.get(TAG_KEY) != self.lab_id:
                    continue
                _ignore_missing(lambda: lam.delete_function(FunctionName=fn["FunctionName"]))
                _ignore_missing(lambda: logs.delete_log_group(logGroupName=f"/aws/lambda/{fn['FunctionName']}"))
                deleted.append(fn["FunctionArn"])
        for page in lam.get_paginator("list_capacity_providers").paginate():   # once no function uses them
            for provider in page["CapacityProviders"]:
                arn = provider["CapacityProviderArn"]
                if lam.list_tags(Resource=arn).get("Tags", {}).get(TAG_KEY) == self.lab_id:
                    _ignore_missing(lambda: lam.delete_capacity_provider(CapacityProviderName=arn))
                    deleted.append(arn)
        deleted += self._delete_role()
        return deleted

    def reset(self) -> list[str]:
        # On a real account "start over" can only mean what this lab created: never anything else.
        return self.teardown()

    def _delete_role(self) -> list[str]:
        iam = self.client("iam")
        name = f"lambda-lab-{self.lab_id}"
        try:
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.delete_role_policy(RoleName=name, PolicyName=policy)
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
            iam.delete_role(RoleName=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchEntity", "ResourceNotFoundException"):
                return []
            raise
        self._role_arn = None
        return [arn]

    def close(self) -> None:
        pass  # a real account has nothing to stop; teardown() is the learner's explicit choice


def _ignore_missing(call) -> None:
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("ResourceNotFoundException", "NoSuchEntity"):
            raise
