"""The lab: the one place that builds and wires everything a notebook uses.

    from lambda_lab import Lab
    with Lab.local() as lab:                 # no AWS account, no Docker
        fn = lab.deploy("hello", code=SOURCE, handler="app.handler")
        fn.invoke({"name": "Ada"})

``Lab.aws(...)`` runs the same code against a real account (opt-in); ``Lab.connect(url)`` joins a
local endpoint started with ``lambda-lab serve``.
"""

from __future__ import annotations

import time

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from botocore.config import Config
from botocore.exceptions import ClientError

from .backends.base import Backend
from .errors import InvalidParameterValueError, LambdaLabError, ServiceClosedError, from_client_error
from .function import Function
from .invocation import InvocationLog
from .packaging import build_zip
from .runtime.limits import validate_memory, validate_timeout

if TYPE_CHECKING:
    from .sam import SamStack

__all__ = ["Lab"]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Lab:
    """A Lambda lab: deploy functions, invoke them, read logs and metrics, on a local endpoint or AWS."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.invocations = InvocationLog()
        self._deployed_args: dict[str, dict] = {}
        self._layers: list[str] = []   # layer versions this lab published (layers carry no tags)
        self._clients: dict[str, object] = {}
        self._closed = False

    # -- ways to open one -----------------------------------------------------------------

    @classmethod
    def local(cls, *, concurrency_limit: int = 10, keep_alive_s: float = 600.0, region: str = "us-east-1",
              clock=None, port: int = 0) -> "Lab":
        """A lab on this machine: an embedded AWS endpoint (moto) that really runs your functions.

        ``concurrency_limit`` is the account's concurrency (AWS's default is 1,000; a laptop's is
        lower). Idle environments are reclaimed after ``keep_alive_s`` on ``lab.clock``.
        """
        from .backends.local.backend import EmbeddedBackend
        return cls(EmbeddedBackend(region=region, concurrency_limit=concurrency_limit,
                                   keep_alive_s=keep_alive_s, clock=clock, port=port))

    @classmethod
    def connect(cls, endpoint_url: str, *, region: str = "us-east-1") -> "Lab":
        """Join a local endpoint another process serves (``lambda-lab serve``)."""
        from .backends.local.backend import RemoteLocalBackend
        return cls(RemoteLocalBackend(endpoint_url, region=region))

    @classmethod
    def aws(cls, *, region: str | None = None, profile: str | None = None, cost_limit_usd: float = 1.0,
            endpoint_url: str | None = None) -> "Lab":
        """A lab on a real AWS account: explicit opt-in; everything it creates is tagged.

        ``lab.teardown()`` deletes exactly what this lab created. Work estimated to cost more than
        ``cost_limit_usd`` is refused unless confirmed. (``endpoint_url`` points it at another
        AWS-compatible endpoint, e.g. ``lambda-lab serve``, as the tests do.)
        """
        from .backends.aws import AwsBackend
        return cls(AwsBackend(region=region, profile=profile, cost_limit_usd=cost_limit_usd,
                              endpoint_url=endpoint_url))

    # -- what notebooks use ---------------------------------------------------------------

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint for boto3 or the AWS CLI (None on a real account: AWS's own endpoints)."""
        return self.backend.endpoint_url

    @property
    def session(self):
        return self.backend.session()

    @property
    def clock(self):
        return self.backend.clock

    @property
    def region(self) -> str:
        return self.backend.region

    def power_tune(self, fn: Function, payload: Any = None, *, memory=(128, 256, 512, 1024, 1769, 3008),
                   runs: int = 10, confirm: bool = False):
        """Duration and cost per call at each memory size, cheapest and fastest marked (see experiments)."""
        from .experiments import power_tune
        return power_tune(self, fn, payload, memory=memory, runs=runs, confirm=confirm)

    def simulate(self, fn: Function, arrivals, *, payload: Any = None, qualifier: str | None = None):
        """Replay an arrival pattern (``lambda_lab.traffic``) on the lab clock with real invocations."""
        from .experiments import simulate
        return simulate(self, fn, arrivals, payload=payload, qualifier=qualifier)

    @property
    def fire(self):
        """Fire real events at a function through the real path: ``lab.fire.s3_put(fn, ...)``."""
        from .fire import Fire
        return Fire(self)

    def api_url(self, api_id: str, stage: str | None = None) -> str:
        """Where an API Gateway API answers (a REST API's ``stage``; none for an HTTP API's $default)."""
        return self.backend.api_url(api_id, stage)

    def client(self, service: str, **kwargs):
        """A boto3 client bound to this lab, e.g. ``lab.client("s3")``."""
        self._check_open()
        if kwargs:
            return self.backend.client(service, **kwargs)
        # Building a client takes tens of milliseconds; clients are thread-safe, so keep one each.
        if service not in self._clients:
            self._clients[service] = self.backend.client(service)
        return self._clients[service]

    @property
    def _invoke_client(self):
        """Lambda client without boto3's automatic retries, so a throttle is seen as AWS sent it."""
        self._check_open()
        if "lambda-no-retry" not in self._clients:
            self._clients["lambda-no-retry"] = self.backend.client(
                "lambda", config=Config(retries={"total_max_attempts": 1}, read_timeout=910))
        return self._clients["lambda-no-retry"]

    def deploy(self, name: str, code: str | None = None, *, path: str | None = None, handler: str = "app.handler",
               runtime: str | None = None, memory_mb: int | None = None, timeout_s: int = 3,
               env: dict[str, str] | None = None, layers: Sequence[str] = (), requirements: Sequence[str] = (),
               files: dict[str, str | bytes] | None = None, description: str = "",
               architecture: str = "x86_64", role: str | None = None,
               durable: bool | int | dict | None = None, tenant_isolation: bool = False,
               snap_start: bool = False, capacity_provider: str | None = None,
               max_concurrency: int | None = None, memory_gib_per_vcpu: float | None = None) -> Function:
        """Package the code, create or update the function, wait until it is ready.

        ``code`` is the handler module's source (``app.py`` for ``handler="app.handler"``); or give
        ``path`` to a file or folder. ``requirements`` are pip-installed into the package (cached).
        ``layers`` are layer version ARNs; locally, AWS's public Powertools layers are built from PyPI
        (see ``lambda_lab.public_layers``). https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html

        ``durable`` makes a durable function (its ``DurableConfig``): ``True`` (executions may run a
        day), a number of seconds (``ExecutionTimeout``), or the DurableConfig itself
        (``{"ExecutionTimeout": 604800, "RetentionPeriodInDays": 7}``). AWS allows it only when the
        function is created, and on python3.13/3.14 (the default runtime then). Start executions
        with ``fn.start_execution(event)``. https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html

        ``tenant_isolation=True`` creates the function with ``TenancyConfig`` PER_TENANT: every call
        then names a tenant (``fn.invoke(event, tenant_id="blue")``), and each tenant's calls run in
        environments of that tenant only. AWS sets it at creation only.
        https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation.html

        ``snap_start=True`` sets ``SnapStart: {ApplyOn: PublishedVersions}`` (python3.12 and later):
        ``fn.publish_version()`` then runs INIT once and snapshots it, and that version's cold starts
        are restores of the snapshot (``invocation.restore_ms``). $LATEST runs as usual.
        https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html

        ``capacity_provider`` (a name or ARN from :meth:`capacity_provider`) runs the function on
        Lambda Managed Instances: python3.13 or later (the default then), at least 2,048 MB (the
        default then). Each published version (``fn.publish_version()``) starts its environments,
        each running up to ``max_concurrency`` requests at once (one Python process each; AWS's
        default is 16 per vCPU, a vCPU being ``memory_gib_per_vcpu`` GiB of memory, 2 by default);
        ``fn.invoke()`` then runs the newest published version, never $LATEST.
        https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances.html
        """
        self._check_open()
        durable_config = _durable_config(durable)
        runtime = runtime or ("python3.13" if durable_config or capacity_provider else "python3.12")
        if memory_mb is None:
            memory_mb = 2048 if capacity_provider else 128
        _validate(name, memory_mb, timeout_s, env)
        zip_bytes = build_zip(code=code, path=path, handler=handler, runtime=runtime,
                              requirements=requirements, files=files)
        lam = self.client("lambda")
        config = {"Runtime": runtime, "Handler": handler, "MemorySize": memory_mb, "Timeout": timeout_s,
                  "Environment": {"Variables": dict(env or {})},
                  "Layers": [self.backend.layer_arn(layer) for layer in layers],
                  "Description": description, "Role": role or self.backend.execution_role_arn()}
        if durable_config:
            config["DurableConfig"] = durable_config
        if capacity_provider:
            inner = {"CapacityProviderArn": self._capacity_provider_arn(capacity_provider)}
            if max_concurrency is not None:
                inner["PerExecutionEnvironmentMaxConcurrency"] = max_concurrency
            if memory_gib_per_vcpu is not None:
                inner["ExecutionEnvironmentMemoryGiBPerVCpu"] = float(memory_gib_per_vcpu)
            config["CapacityProviderConfig"] = {"LambdaManagedInstancesCapacityProviderConfig": inner}
            config["LoggingConfig"] = {"LogFormat": "JSON"}   # the only format on Managed Instances
        else:
            config["SnapStart"] = {"ApplyOn": "PublishedVersions" if snap_start else "None"}
        try:
            created = False
            tenancy = {"TenancyConfig": {"TenantIsolationMode": "PER_TENANT"}} if tenant_isolation else {}
            if not self._exists(lam, name):
                try:
                    self._create(lam, name, zip_bytes, {**config, **tenancy}, architecture)
                    created = True
                except lam.exceptions.ResourceConflictException:
                    pass  # created meanwhile (another cell or thread): update it instead
            if not created:
                current = lam.get_function_configuration(FunctionName=name).get("TenancyConfig") or {}
                if bool(current) != tenant_isolation:
                    raise LambdaLabError(
                        f"{name!r} exists {'with' if current else 'without'} tenant isolation, which Lambda sets "
                        f"only when a function is created: delete it (lab.client('lambda').delete_function("
                        f"FunctionName={name!r})) and deploy again, or deploy under another name.")
                lam.update_function_code(FunctionName=name, ZipFile=zip_bytes, Architectures=[architecture])
                lam.get_waiter("function_updated_v2").wait(FunctionName=name)
                lam.update_function_configuration(FunctionName=name, **config)
                lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        except ClientError as exc:
            raise from_client_error(exc, f"Could not deploy {name!r}") from None
        self._deployed_args[name] = dict(code=code, path=path, handler=handler, runtime=runtime, memory_mb=memory_mb,
                                         timeout_s=timeout_s, env=env, layers=layers, requirements=requirements,
                                         files=files, description=description, architecture=architecture, role=role,
                                         durable=durable, tenant_isolation=tenant_isolation, snap_start=snap_start,
                                         capacity_provider=capacity_provider, max_concurrency=max_concurrency,
                                         memory_gib_per_vcpu=memory_gib_per_vcpu)
        return Function(self, name)

    def publish_layer(self, name: str, *, files: dict[str, str | bytes] | None = None, path: str | None = None,
                      description: str = "", runtimes: Sequence[str] = ()) -> str:
        """Publish a layer version from ``files`` or a folder ``path``; its ARN, for ``lab.deploy(layers=[...])``.

        Lambda unpacks layers in /opt. A file under ``extensions/`` is an external extension: Lambda
        starts it with the environment, and it talks to the Extensions and Telemetry APIs at
        ``AWS_LAMBDA_RUNTIME_API``::

            arn = lab.publish_layer("timer", files={"extensions/timer": EXTENSION_SOURCE})

        https://docs.aws.amazon.com/lambda/latest/dg/lambda-extensions.html
        """
        self._check_open()
        from .packaging import layer_zip
        zip_bytes = layer_zip(files=files, path=path)
        try:
            answer = self.client("lambda").publish_layer_version(
                LayerName=name, Description=description, Content={"ZipFile": zip_bytes},
                **({"CompatibleRuntimes": list(runtimes)} if runtimes else {}))
        except ClientError as exc:
            raise from_client_error(exc, f"Could not publish layer {name!r}") from None
        self._layers.append(answer["LayerVersionArn"])
        return answer["LayerVersionArn"]

    def capacity_provider(self, name: str = "lab-instances", *, subnets: Sequence[str] | None = None,
                          security_groups: Sequence[str] = (), operator_role: str | None = None,
                          architecture: str | None = None, max_vcpus: int | None = None) -> str:
        """A capacity provider for Lambda Managed Instances (created if it does not exist); its ARN.

        Functions deployed with ``capacity_provider=`` run on its instances. Locally no instance, VPC
        or role is made: the defaults stand in for them. On a real account give the VPC's
        ``subnets`` (and ``security_groups``) and an ``operator_role`` ARN with AWS's
        AWSLambdaManagedEC2ResourceOperator policy; the instances then cost money while they run
        (see ``lambda_lab.pricing``). https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-capacity-providers.html
        """
        self._check_open()
        lam = self.client("lambda")
        try:
            return lam.get_capacity_provider(CapacityProviderName=name)["CapacityProvider"]["CapacityProviderArn"]
        except lam.exceptions.ResourceNotFoundException:
            pass
        except ClientError as exc:
            raise from_client_error(exc, f"Could not read capacity provider {name!r}") from None
        subnet_ids, role = self.backend.capacity_provider_placement(list(subnets or []), operator_role)
        spec = {"CapacityProviderName": name,
                "VpcConfig": {"SubnetIds": subnet_ids, "SecurityGroupIds": list(security_groups)},
                "PermissionsConfig": {"CapacityProviderOperatorRoleArn": role}}
        if architecture:
            spec["InstanceRequirements"] = {"Architectures": [architecture]}
        if max_vcpus:
            spec["CapacityProviderScalingConfig"] = {"MaxVCpuCount": max_vcpus}
        tags = self.backend.tags()
        if tags:
            spec["Tags"] = tags
        try:
            return lam.create_capacity_provider(**spec)["CapacityProvider"]["CapacityProviderArn"]
        except ClientError as exc:
            raise from_client_error(exc, f"Could not create capacity provider {name!r}") from None

    def _capacity_provider_arn(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        try:
            answer = self.client("lambda").get_capacity_provider(CapacityProviderName=name_or_arn)
        except ClientError as exc:
            raise from_client_error(exc, f"Capacity provider {name_or_arn!r} is not there: create it with "
                                    f"lab.capacity_provider({name_or_arn!r})") from None
        return answer["CapacityProvider"]["CapacityProviderArn"]

    def deploy_sam(self, template: str | Path, *, stack_name: str = "lab-sam",
                   parameters: dict[str, str] | None = None) -> "SamStack":
        """Deploy an AWS SAM template, as ``sam deploy`` does: package, transform, create the stack.

        ``template`` is a .yaml/.json file (``CodeUri`` folders are relative to it) or the template's
        text (relative to the current folder then). ``parameters`` fill the template's
        ``Parameters``. Returns a :class:`~lambda_lab.sam.SamStack`: ``.functions`` (logical id ->
        Function), ``.outputs``, ``.resources``, ``.template`` (the CloudFormation SAM expanded
        into), ``.api_url()`` and ``.delete()``. Local lab only: on a real account (``Lab.aws``)
        this raises and tells you to run ``sam deploy``, AWS's own tool, there.

            stack = lab.deploy_sam("template.yaml", stack_name="orders", parameters={"Stage": "dev"})

        https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-deploy.html
        """
        self._check_open()
        from .sam import deploy_sam
        return deploy_sam(self, template, stack_name=stack_name, parameters=parameters)

    def function(self, name: str) -> Function:
        """A function that already exists (deployed by the CLI, a template, or another notebook)."""
        if not self._exists(self.client("lambda"), name):
            raise LambdaLabError(f"There is no function {name!r} here; deploy it first with lab.deploy({name!r}, ...).")
        return Function(self, name)

    def _create(self, lam, name: str, zip_bytes: bytes, config: dict, architecture: str) -> None:
        tags = self.backend.tags()

        def create():
            lam.create_function(FunctionName=name, Code={"ZipFile": zip_bytes}, Architectures=[architecture],
                                **({"Tags": tags} if tags else {}), **config)

        # A freshly created role takes a few seconds to reach Lambda on a real account.
        self.backend.wait_for_role(create)
        if "CapacityProviderConfig" not in config:
            lam.get_waiter("function_active_v2").wait(FunctionName=name)
            return
        # On a capacity provider $LATEST ends ActiveNonInvocable, which botocore's waiter does not know.
        deadline = time.monotonic() + 300
        while lam.get_function_configuration(FunctionName=name).get("State") == "Pending":
            if time.monotonic() > deadline:
                raise LambdaLabError(f"{name!r} is still Pending after 5 minutes: see its State in the console.")
            time.sleep(1)

    @staticmethod
    def _exists(lam, name: str) -> bool:
        try:
            lam.get_function(FunctionName=name)
            return True
        except lam.exceptions.ResourceNotFoundException:
            return False

    # -- lifecycle ------------------------------------------------------------------------

    def teardown(self) -> list[str]:
        """Delete what this lab created (on a real account: only what it tagged). Idempotent."""
        self._check_open()
        deleted = self.backend.teardown()
        lam = self.client("lambda")
        for arn in self._layers:
            layer, version = arn.rsplit(":", 1)
            try:
                lam.delete_layer_version(LayerName=layer, VersionNumber=int(version))
                deleted.append(arn)
            except ClientError:
                pass   # already gone (a reset, another notebook)
        self._layers.clear()
        self._deployed_args.clear()
        return deleted

    def reset(self) -> list[str]:
        """Start over between demos: the lab stays open, with nothing in it.

        Locally: every function (its environments end), table, bucket, queue, topic, rule, API and
        log group is deleted, and ``lab.invocations`` is cleared. On a real account: what this lab
        created (as ``teardown``), nothing else. Returns the deleted functions' ARNs.
        """
        self._check_open()
        deleted = self.backend.reset()
        self.invocations.clear()
        self._deployed_args.clear()
        return deleted

    def close(self) -> None:
        """Stop the lab (locally: every worker process and the endpoint). Idempotent."""
        if not self._closed:
            self._closed = True
            self.backend.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ServiceClosedError("This lab is closed; open a new one, e.g. lab = Lab.local().")

    def __enter__(self) -> "Lab":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.endpoint_url or f"AWS {self.region}"
        return f"<Lab {self.backend.kind} at {where}: {len(self.invocations)} invocations>"


def _durable_config(durable: bool | int | dict | None) -> dict | None:
    """``lab.deploy(durable=...)`` as the DurableConfig AWS takes."""
    if durable is None or durable is False:
        return None
    if durable is True:
        return {"ExecutionTimeout": 86400}
    if isinstance(durable, int):
        return {"ExecutionTimeout": durable}
    if isinstance(durable, dict):
        return dict(durable)
    raise InvalidParameterValueError(
        f"durable={durable!r} is not understood: pass True, an ExecutionTimeout in seconds (e.g. 3600), or a "
        'DurableConfig such as {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 7}.')


def _validate(name: str, memory_mb: int, timeout_s: int, env: dict | None) -> None:
    """Check what boto3 would otherwise reject with a less helpful message."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidParameterValueError(
            f"Function name {name!r} is not valid: use 1-64 letters, digits, hyphens or underscores.")
    validate_memory(memory_mb)
    validate_timeout(timeout_s)
    for key, value in (env or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidParameterValueError(
                f"Environment variables are strings: got {key!r}: {value!r}. Convert with str(...).")
