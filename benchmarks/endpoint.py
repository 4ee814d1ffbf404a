"""Endpoint benchmark: a warm Invoke through boto3 against the local lab, beside moto's own no-op invoke.

    .venv/bin/python benchmarks/endpoint.py [--calls N]

moto's simple Lambda backend (`use_docker: False`) answers Invoke without running anything: the
floor any path through a moto server pays (HTTP, request parsing, routing). The local lab pays that
and really runs the handler in a warm worker. Both are served over loopback HTTP, the moto one in a
separate process so its configuration cannot touch ours; calls alternate between the two.
Target: lab p50 <= 1.5x moto's.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time

import boto3

from lambda_lab import Lab
from lambda_lab.packaging import build_zip

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'Hello ' + event.get('name', 'World')}\n"
MOTO_SIMPLE = textwrap.dedent("""
    import sys, time
    from moto.core.models import default_user_config
    default_user_config["lambda"]["use_docker"] = False
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
    server.start()
    print("ready", flush=True)
    time.sleep(3600)
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500, help="invocations per side (default 500)")
    args = parser.parse_args()

    port = free_port()
    moto = subprocess.Popen([sys.executable, "-c", MOTO_SIMPLE, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert moto.stdout.readline().strip() == "ready"
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        simple = session.client("lambda", endpoint_url=f"http://127.0.0.1:{port}")
        simple_iam = session.client("iam", endpoint_url=f"http://127.0.0.1:{port}")
        role = simple_iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = build_zip(code=HANDLER, handler="app.handler")
        simple.create_function(FunctionName="hello", Runtime="python3.12", Role=role, Handler="app.handler",
                               Code={"ZipFile": code})

        with Lab.local() as lab:
            lab.deploy("hello", code=HANDLER, handler="app.handler")
            ours = lab.client("lambda")
            payload = b'{"name": "Ada"}'
            for client in (simple, ours):  # warm both: connections, the lab's environment
                for _ in range(20):
                    client.invoke(FunctionName="hello", Payload=payload)
            print(f"{args.calls} warm invocations per side, alternating ...", file=sys.stderr)
            lab_ms, moto_ms = [], []
            for _ in range(args.calls):
                for client, samples in ((simple, moto_ms), (ours, lab_ms)):
                    started = time.perf_counter()
                    client.invoke(FunctionName="hello", Payload=payload)["Payload"].read()
                    samples.append((time.perf_counter() - started) * 1000)
    finally:
        moto.kill()
        moto.wait()

    print(f"\nlambda_lab endpoint benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    header = f"| {'statistic':<10} | {'lab invoke (runs handler) ms':>29} | {'moto simple no-op ms':>21} | {'ratio':>7} | {'target':<8} |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for name, stat in (("p50", statistics.median), ("p90", lambda v: percentile(v, 90)), ("p99", lambda v: percentile(v, 99))):
        a, b = stat(lab_ms), stat(moto_ms)
        print(f"| {name:<10} | {a:>29.3f} | {b:>21.3f} | {a / b:>6.2f}x | {'<= 1.5x' if name == 'p50' else '':<8} |")


if __name__ == "__main__":
    main()
