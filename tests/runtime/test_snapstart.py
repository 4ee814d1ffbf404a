"""SnapStart for Python in the Lambda service, as AWS documents it.

- https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html: INIT runs when a version is
  published; new environments of that version resume from the snapshot of its memory *and disk*;
  $LATEST is never snapshotted; no provisioned concurrency.
- https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html: state made during INIT
  (random seeds, ids) is the same in every restored environment.
- https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html: before-snapshot
  hooks run in reverse order of registration, after-restore hooks in order; the runtime must load
  and the after-restore hooks finish within 10 s, else SnapStartTimeoutException.
- https://docs.aws.amazon.com/lambda/latest/dg/snapstart-monitoring.html: a restored cold start's
  REPORT has Restore Duration and Billed Restore Duration, not Init Duration; the INIT_REPORT
  belongs to the snapshot; AWS_LAMBDA_LOG_GROUP_NAME / AWS_LAMBDA_LOG_STREAM_NAME are not set.
- botocore's Lambda model: Invoke's SnapStartException (the after-restore hook failed) and
  SnapStartTimeoutException.
"""

from __future__ import annotations

import json

import pytest

from lambda_lab.errors import InvalidParameterValueError, ResourceConflictError, SnapStartError, SnapStartTimeoutError
from lambda_lab.runtime import snapshot as snapshot_module
from tests.conftest import python_function, worker_processes
from tests.runtime.test_concurrency import invoke_concurrently

UNIQUENESS = """
import os, random, tempfile, time, uuid
from snapshot_restore_py import register_after_restore, register_before_snapshot

INIT_ID = str(uuid.uuid4())           # made once, at publish: every restored copy has it
SEED = random.random()
ORDER = []
with open(os.path.join(tempfile.gettempdir(), "from-init.txt"), "w") as f:
    f.write(INIT_ID)

@register_before_snapshot
def first_registered_before():
    ORDER.append("before-1")

@register_before_snapshot
def second_registered_before():
    ORDER.append("before-2")

@register_after_restore
def first_registered_after():
    ORDER.append("after-1")
    print("restoring", flush=True)

@register_after_restore
def second_registered_after():
    ORDER.append("after-2")

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    tmp = tempfile.gettempdir()
    if event.get("write"):
        open(os.path.join(tmp, event["write"]), "w").close()
    return {"init_id": INIT_ID, "seed": SEED, "drawn": random.random(), "secure": random.SystemRandom().random(),
            "uuid": str(uuid.uuid4()), "pid": os.getpid(),
            "order": ORDER, "tmp": sorted(os.listdir(tmp)),
            "init_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
            "stream_var": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME"),
            "group_var": os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")}
"""


def snap_function(name: str, source: str, **config):
    return python_function(name, source, runtime="python3.12", snap_start=True, timeout_s=10, **config)


def invoke_at_once(service, name: str, version: str, count: int, event: dict) -> list:
    results, throttles = invoke_concurrently(service, name, count, json.dumps(event).encode(), version)
    assert not throttles, throttles
    return results


def test_restored_environments_share_the_snapshots_memory_and_disk(service):
    service.create_function(snap_function("unique", UNIQUENESS))
    version = service.publish_version("unique")
    results = invoke_at_once(service, "unique", version, 3, {"sleep": 0.5})
    answers = [r.json() for r in results]

    assert len({a["pid"] for a in answers}) == 3                 # three environments...
    assert len({a["init_id"] for a in answers}) == 1             # ...one INIT: the uniqueness pitfall
    assert len({a["seed"] for a in answers}) == 1
    # The generator's state is the snapshot's too: each environment's first draw is the same number.
    # Entropy from the operating system (SystemRandom, uuid4) is fresh in each.
    assert len({a["drawn"] for a in answers}) == 1
    assert len({a["secure"] for a in answers}) == 3 and len({a["uuid"] for a in answers}) == 3
    assert all("from-init.txt" in a["tmp"] for a in answers)     # the snapshot holds the disk too
    # Before-snapshot hooks ran once, in reverse order of registration; after-restore in order.
    assert all(a["order"] == ["before-2", "before-1", "after-1", "after-2"] for a in answers)
    assert {a["init_type"] for a in answers} == {"snap-start"}
    assert {a["stream_var"] for a in answers} == {None} and {a["group_var"] for a in answers} == {None}


def test_a_restore_is_a_cold_start_with_restore_fields_instead_of_init(service):
    service.create_function(snap_function("fields", UNIQUENESS))
    version = service.publish_version("fields")
    cold = service.invoke("fields", b"{}", version)
    warm = service.invoke("fields", b"{}", version)

    assert cold.cold and cold.init_ms is None and cold.restore_ms > 0 and cold.billed_restore_ms >= 1
    assert not warm.cold and warm.restore_ms is None
    lines = cold.logs.splitlines()
    assert lines[0].startswith("RESTORE_START Runtime Version: python:3.12")
    assert "restoring" in lines                                  # the after-restore hook's output
    assert any(line.startswith("RESTORE_REPORT Restore Duration: ") for line in lines)
    report = next(line for line in lines if line.startswith("REPORT"))
    assert "Restore Duration: " in report and "Billed Restore Duration: " in report
    assert "Init Duration" not in report and not any(line.startswith("INIT_START") for line in lines)
    # Billed Duration is the handler's alone: the restore is billed as Billed Restore Duration.
    assert cold.billed_ms == max(1, -(-cold.duration_ms // 1))


def test_latest_is_never_snapshotted(service):
    service.create_function(snap_function("latest", UNIQUENESS))
    service.publish_version("latest")
    first = service.invoke("latest", b"{}")
    assert first.cold and first.init_ms is not None and first.restore_ms is None
    assert first.json()["init_type"] == "on-demand" and first.json()["order"] == []
    assert first.logs.startswith("INIT_START")


def test_environments_do_not_share_what_they_write_after_the_restore(service):
    service.create_function(snap_function("disks", UNIQUENESS))
    version = service.publish_version("disks")
    first, second = invoke_at_once(service, "disks", version, 2, {"sleep": 0.5})
    assert first.environment_id != second.environment_id
    mine = service.invoke("disks", b'{"write": "mine.txt"}', version).json()
    others = [env for env in service.environments("disks", version)]
    assert "mine.txt" in mine["tmp"] and len(others) == 2
    answers = invoke_at_once(service, "disks", version, 2, {"sleep": 0.3})
    assert sorted("mine.txt" in r.json()["tmp"] for r in answers) == [False, True]


def test_a_failing_after_restore_hook_fails_the_invocation_call_and_the_next_restore_tries_again(service):
    source = """
import os
from snapshot_restore_py import register_after_restore
@register_after_restore
def reconnect():
    if not os.path.exists(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "fixed")):
        raise ConnectionError("the database is not reachable")
def handler(event, context):
    return "ok"
"""
    service.create_function(snap_function("hooked", source))
    version = service.publish_version("hooked")
    for _ in range(2):   # each attempt is a new restore; none is kept
        with pytest.raises(SnapStartError) as failed:
            service.invoke("hooked", b"{}", version)
        assert failed.value.aws_code == "SnapStartException" and failed.value.http_status == 400
        assert "ConnectionError" in str(failed.value) and "the database is not reachable" in str(failed.value)
    assert service.environments("hooked", version) == []


def test_an_after_restore_hook_past_the_limit_is_a_snapstart_timeout(service, monkeypatch):
    assert snapshot_module.RESTORE_TIMEOUT_S == 10.0      # AWS's limit; shortened below to keep the test quick
    monkeypatch.setattr(snapshot_module, "RESTORE_TIMEOUT_S", 1.0)
    source = """
import time
from snapshot_restore_py import register_after_restore
@register_after_restore
def warm_caches():
    time.sleep(5)
def handler(event, context):
    return "ok"
"""
    service.create_function(snap_function("slowhook", source))
    version = service.publish_version("slowhook")
    with pytest.raises(SnapStartTimeoutError) as timed_out:
        service.invoke("slowhook", b"{}", version)
    assert timed_out.value.aws_code == "SnapStartTimeoutException" and timed_out.value.http_status == 408
    assert service.environments("slowhook", version) == []


def test_a_version_whose_init_fails_is_failed_and_cannot_be_invoked(service):
    service.create_function(snap_function("broken", "raise RuntimeError('no config at init')\n"))
    version = service.publish_version("broken")
    init = service.take_snapshot("broken", version)
    assert not init.ok and init.status == "error" and "no config at init" in json.dumps(init.error)
    assert any(line.startswith("INIT_REPORT Init Duration:") and "Status: error" in line
               for line in init.log_lines("python3.12", "us-east-1"))
    with pytest.raises(ResourceConflictError, match="Failed"):
        service.invoke("broken", b"{}", version)
    assert service.invoke("broken", b"{}").error["errorType"] == "RuntimeError"   # $LATEST: an ordinary INIT error


def test_provisioned_concurrency_is_refused_for_a_snapstart_version(service):
    service.create_function(snap_function("noprov", UNIQUENESS))
    version = service.publish_version("noprov")
    with pytest.raises(InvalidParameterValueError, match="SnapStart"):
        service.set_provisioned_concurrency("noprov", version, 1)


def test_a_restored_environment_that_crashes_or_times_out_is_replaced_by_a_new_restore(service):
    source = """
import os, time
def handler(event, context):
    if event.get("exit"):
        os._exit(3)
    time.sleep(event.get("sleep", 0))
    return os.getpid()
"""
    service.create_function(snap_function("fragile", source))
    version = service.publish_version("fragile")
    crashed = service.invoke("fragile", b'{"exit": true}', version)
    assert crashed.error["errorType"] == "Runtime.ExitError" and "exit status 3" in crashed.error["errorMessage"]
    again = service.invoke("fragile", b"{}", version)
    assert again.cold and again.restore_ms is not None and again.error is None
    slow = service.invoke("fragile", b'{"sleep": 30}', version)
    assert slow.error["errorType"] == "Sandbox.Timedout"
    after = service.invoke("fragile", b"{}", version)
    assert after.cold and after.error is None and after.json() != again.json()


def test_a_restored_environment_is_held_to_its_memory_size(service):
    source = """
def handler(event, context):
    hog = bytearray(300 * 1024 * 1024)
    for i in range(0, len(hog), 4096):
        hog[i] = 1
    return len(hog)
"""
    service.create_function(snap_function("hungry", source, memory_mb=128))
    version = service.publish_version("hungry")
    result = service.invoke("hungry", b"{}", version)
    assert result.error["errorType"] == "Runtime.ExitError" and "signal: killed" in result.error["errorMessage"]
    assert result.max_memory_mb == 128


def test_deleting_the_function_ends_the_snapshot_and_every_restored_copy(service):
    service.create_function(snap_function("gone", UNIQUENESS))
    version = service.publish_version("gone")
    invoke_at_once(service, "gone", version, 2, {"sleep": 0.3})
    assert len(worker_processes()) >= 3    # the snapshot and two restored copies
    service.delete_function("gone")
    from tests.conftest import eventually
    eventually(lambda: worker_processes() == [], timeout_s=10)


def test_a_handler_that_kills_its_snapshot_does_not_break_the_version(service):
    # A restored copy's parent is the snapshot's process: here a handler can signal it (AWS's
    # microVMs cannot). The copies of that version die with it; the next restore runs INIT again,
    # as AWS, which keeps several copies of each snapshot, would still restore.
    source = """
import os, signal, uuid
INIT_ID = str(uuid.uuid4())
def handler(event, context):
    if event.get("kill_parent"):
        os.kill(os.getppid(), signal.SIGKILL)
        import time; time.sleep(2)
    return INIT_ID
"""
    service.create_function(snap_function("parricide", source))
    version = service.publish_version("parricide")
    first = service.invoke("parricide", b"{}", version).json()
    killed = service.invoke("parricide", b'{"kill_parent": true}', version)
    assert killed.error["errorType"] == "Runtime.ExitError"
    again = service.invoke("parricide", b"{}", version)
    assert again.error is None and again.cold and again.restore_ms is not None
    assert again.json() != first            # a new INIT, so a new snapshot
    assert service.invoke("parricide", b"{}").error is None     # $LATEST and the lab are untouched


def test_json_logs_report_the_restore_as_the_telemetry_api_names_it(service):
    # https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html: platform.restoreStart,
    # platform.restoreReport, and platform.report's restoreDurationMs / billedRestoreDurationMs.
    service.create_function(snap_function("jsonsnap", UNIQUENESS, log_format="JSON"))
    version = service.publish_version("jsonsnap")
    events = [json.loads(line) for line in service.invoke("jsonsnap", b"{}", version).logs.splitlines()
              if line.startswith('{"time"')]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "platform.restoreStart" and "platform.restoreReport" in kinds and "platform.initStart" not in kinds
    report = next(e for e in events if e["type"] == "platform.report")["record"]["metrics"]
    assert report["restoreDurationMs"] > 0 and report["billedRestoreDurationMs"] >= 1 and "initDurationMs" not in report


def test_a_snapshot_asked_for_by_several_callers_at_once_runs_init_once(service):
    # A control plane deploys a version and its first callers arrive together (PublishVersion's
    # snapshot and an invoke): INIT runs once; each new environment is a restore of that one INIT.
    source = """
import os
with open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "..", "once-inits.txt"), "a") as f:
    f.write("x")
def handler(event, context):
    return os.getpid()
"""
    config = snap_function("once", source)
    service.deploy_version(config, "1")       # as the bridge does: the version exists, not yet snapshotted
    results = invoke_at_once(service, "once", "1", 3, {})
    assert all(r.error is None and r.restore_ms is not None for r in results)
    code_dir = service.environments("once", "1")[0].spec.code_dir
    assert (code_dir.parent / "once-inits.txt").read_text() == "x"
