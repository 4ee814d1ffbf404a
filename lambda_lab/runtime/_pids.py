"""At most N processes and threads per execution environment, as AWS's 1,024 quota.

A handler's fork loop must stop at the environment's limit, not take the machine down. As root
(containers, CI, lab VMs), each environment gets its own cgroup v1 ``pids`` group; otherwise the
worker gets an ``RLIMIT_NPROC`` of the user's current task count plus the limit (the kernel counts
every thread of the user against it, and ignores it for root, which is why root uses the cgroup).
When the user's other processes start many threads after the worker started, they eat into that
headroom: a bound per user, not per environment, is the most an unprivileged lab can set. Where neither is possible the
lab runs without a bound, and ``ProcessLimit.available()`` says so.

Cost: moving a new process into its group (a write to ``cgroup.procs``) takes the kernel's cgroup
threadgroup lock, which waits for an RCU grace period: about 11 ms on this course's reference
machine (cgroup v1). Done in ``preexec``, before exec, it delays every cold start by that much
(``benchmarks/runtime.py`` went from 1.17x to 1.55x of a bare runtime client). Python workers
therefore start behind a gate (``gate_boot.py``): the interpreter starts at once, the lab moves the
process meanwhile (``adopt``), and nothing of the runtime's or the handler's runs until it has
(1.16-1.26x measured). Other runtimes still move in ``preexec``; SnapStart's restored copies are
forked ahead and moved before they are needed (``snapshot.py``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil

__all__ = ["ProcessLimit", "AWS_PROCESS_LIMIT", "user_tasks"]

AWS_PROCESS_LIMIT = 1024   # Lambda quota: processes/threads per execution environment
_PIDS_ROOT = Path("/sys/fs/cgroup/pids")


class ProcessLimit:
    """One environment's bound: ``preexec()`` runs in the worker before exec; ``close()`` after."""

    def __init__(self, name: str, limit: int):
        self.limit = limit
        self.cgroup: Path | None = None
        self.nproc: int | None = None
        if os.geteuid() == 0 and _PIDS_ROOT.is_dir():
            try:
                group = _PIDS_ROOT / "lambda-lab" / name
                _sweep(group.parent)
                group.mkdir(parents=True, exist_ok=True)
                (group / "pids.max").write_text(str(limit))
                self.cgroup = group
            except OSError:
                self.cgroup = None
        elif os.geteuid() != 0:
            import resource
            _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
            self.nproc = user_tasks(os.getuid()) + limit
            if hard != resource.RLIM_INFINITY:
                self.nproc = min(self.nproc, hard)   # raising past the hard limit would fail the exec

    @staticmethod
    def available() -> bool:
        return os.geteuid() != 0 or (_PIDS_ROOT.is_dir() and os.access(_PIDS_ROOT, os.W_OK))

    @property
    def active(self) -> bool:
        return self.cgroup is not None or self.nproc is not None

    def preexec(self) -> None:  # in the child, between fork and exec: no locks, no allocation-heavy work
        if self.cgroup is not None:
            with open(self.cgroup / "cgroup.procs", "w") as procs:
                procs.write(str(os.getpid()))
        elif self.nproc is not None:
            import resource
            resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))

    def adopt(self, pid: int) -> None:
        """Bound a process this environment did not spawn (a SnapStart restore, forked by its snapshot)."""
        if self.cgroup is not None:
            (self.cgroup / "cgroup.procs").write_text(str(pid))
        elif self.nproc is not None:
            psutil.Process(pid).rlimit(psutil.RLIMIT_NPROC, (self.nproc, self.nproc))

    def close(self) -> None:
        if self.cgroup is None:
            return
        for _ in range(50):   # the group can be removed once its last task has been reaped
            try:
                self.cgroup.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


def user_tasks(uid: int) -> int:
    """Processes *and threads* of this real user: what the kernel counts against RLIMIT_NPROC."""
    total = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids = process.info["uids"]
        if uids and uids.real == uid:
            total += process.info["num_threads"] or 1
    return total


def _sweep(parent: Path, older_than_s: float = 60.0) -> None:
    """Remove empty groups left by environments that ended without closing (a killed lab)."""
    if not parent.is_dir():
        return
    now = time.time()
    for group in parent.iterdir():
        try:
            if now - group.stat().st_mtime > older_than_s and (group / "pids.current").read_text().strip() == "0":
                group.rmdir()
        except OSError:
            pass
