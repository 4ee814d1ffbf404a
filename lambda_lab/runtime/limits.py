"""Lambda's limits, and the two mechanisms that enforce memory and CPU on a worker process.

Memory: AWS reports the peak memory of the whole sandbox as ``Max Memory Used`` and kills the
runtime when it goes over the configured size. We measure the worker's process tree (peak RSS)
and kill it the same way.

CPU: AWS gives a function CPU in proportion to its memory; 1,769 MB buys one full vCPU. It does so
with a CPU quota per scheduling period (Linux CFS bandwidth control). ``CpuGovernor`` does the same
from user space, without cgroups or root: each period, a throttled worker may burn
``share * period`` of CPU time; once it has, it is stopped (SIGSTOP) until the next period starts.
A handler that uses little CPU is never stopped, as on AWS; a CPU-bound one runs at its share.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass

import psutil

from ..errors import InvalidParameterValueError

__all__ = [
    "MIN_MEMORY_MB", "MAX_MEMORY_MB", "MIN_TIMEOUT_S", "MAX_TIMEOUT_S", "FULL_VCPU_MEMORY_MB",
    "SYNC_PAYLOAD_LIMIT", "ASYNC_PAYLOAD_LIMIT", "STREAM_PAYLOAD_LIMIT", "STREAM_UNCAPPED_BYTES",
    "STREAM_CAPPED_BYTES_PER_S", "INIT_TIMEOUT_S", "ENV_VARS_LIMIT",
    "ZIPPED_CODE_LIMIT", "UNZIPPED_CODE_LIMIT", "MAX_LAYERS",
    "cpu_share", "validate_memory", "validate_timeout", "ProcessProbe", "CpuGovernor", "signal_group",
]

MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10_240
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 1, 900
FULL_VCPU_MEMORY_MB = 1_769
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024          # request and response, RequestResponse
ASYNC_PAYLOAD_LIMIT = 1024 * 1024             # Event invocations (1 MB since 2025)
# A streamed response (InvokeWithResponseStream, RESPONSE_STREAM function URLs): up to 200 MB; the
# first 6 MB at full speed, the rest at most 2 MB/s.
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html
STREAM_PAYLOAD_LIMIT = 200 * 1024 * 1024
STREAM_UNCAPPED_BYTES = 6 * 1024 * 1024
STREAM_CAPPED_BYTES_PER_S = 2 * 1024 * 1024
INIT_TIMEOUT_S = 10.0
ENV_VARS_LIMIT = 4 * 1024
ZIPPED_CODE_LIMIT = 50 * 1024 * 1024
UNZIPPED_CODE_LIMIT = 250 * 1024 * 1024
MAX_LAYERS = 5


def cpu_share(memory_mb: int) -> float:
    """Fraction of one vCPU a function of this size gets (AWS: 1,769 MB = 1 vCPU)."""
    return memory_mb / FULL_VCPU_MEMORY_MB


def validate_memory(memory_mb: int) -> int:
    if not isinstance(memory_mb, int) or isinstance(memory_mb, bool) \
            or not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise InvalidParameterValueError(
            f"MemorySize {memory_mb!r} is out of range: Lambda accepts a whole number of MB "
            f"from {MIN_MEMORY_MB} to {MAX_MEMORY_MB:,} (e.g. memory_mb=128).")
    return memory_mb


def validate_timeout(timeout_s: int) -> int:
    if not isinstance(timeout_s, int) or isinstance(timeout_s, bool) \
            or not MIN_TIMEOUT_S <= timeout_s <= MAX_TIMEOUT_S:
        raise InvalidParameterValueError(
            f"Timeout {timeout_s!r} is out of range: Lambda accepts a whole number of seconds "
            f"from {MIN_TIMEOUT_S} to {MAX_TIMEOUT_S} (15 minutes), e.g. timeout_s=3.")
    return timeout_s


_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024) if hasattr(os, "sysconf") else 4096 / 1048576


class ProcessProbe:
    """Reads a worker's memory and CPU time. Linux reads /proc directly (fast); elsewhere psutil."""

    _linux = sys.platform.startswith("linux")

    def __init__(self, pid: int):
        self.pid = pid
        self._process = psutil.Process(pid)

    def peak_rss_mb(self) -> float:
        """The worker process's own high-water mark of resident memory."""
        if self._linux:
            try:
                with open(f"/proc/{self.pid}/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"VmHWM:"):
                            return int(line.split()[1]) / 1024
            except (FileNotFoundError, ProcessLookupError, ValueError):
                return 0.0
        return self.tree_rss_mb(children=False)

    def tree_rss_mb(self, children: bool = True) -> float:
        """Resident memory of the worker, and of the processes it started when asked."""
        try:
            processes = [self._process] + (self._process.children(recursive=True) if children else [])
        except psutil.Error:
            return 0.0
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        return total / (1024 * 1024)

    def cpu_seconds(self) -> float:
        """CPU time the worker process has used, all threads."""
        if self._linux:
            # The process-wide CPU clock of another pid (clock_getcpuclockid): ns precision.
            try:
                return time.clock_gettime(((~self.pid) << 3) | 2)
            except OSError:
                return 0.0
        try:
            times = self._process.cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system


@dataclass
class _Throttled:
    pgid: int
    probe: ProcessProbe
    budget_s: float
    period_start_cpu: float = 0.0
    stopped: bool = False
    # CPU time it may still use this period. Overshoot (the stop lands a little late) is carried
    # into the next period as debt, so the long-run share is exact; unused time is not saved up.
    credit_s: float = 0.0

    def start_period(self) -> None:
        now = self.probe.cpu_seconds()
        used = now - self.period_start_cpu
        self.credit_s = min(self.credit_s - used, 0.0) + self.budget_s
        self.period_start_cpu = now

    def left_s(self) -> float:
        return self.credit_s - (self.probe.cpu_seconds() - self.period_start_cpu)


class CpuGovernor:
    """Holds busy workers to their CPU share, CFS-quota style. One thread serves all workers."""

    def __init__(self, period_s: float = 0.02):
        self.period_s = period_s
        self._tracked: dict[int, _Throttled] = {}
        self._lock = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="cpu-governor", daemon=True)
        self._thread.start()

    def track(self, pgid: int, probe: ProcessProbe, share: float) -> None:
        """Start enforcing ``share`` of a vCPU on the worker (call when its invocation starts)."""
        if share >= 1.0:
            return  # a full vCPU or more: nothing to hold back on this machine
        with self._lock:
            self._tracked[pgid] = _Throttled(pgid, probe, share * self.period_s, probe.cpu_seconds(),
                                             credit_s=share * self.period_s)
            self._lock.notify()

    def untrack(self, pgid: int) -> None:
        """Stop enforcing. The worker is left running if it was stopped for its quota."""
        with self._lock:
            entry = self._tracked.pop(pgid, None)
            if entry is not None and entry.stopped:
                signal_group(pgid, signal.SIGCONT)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for pgid in list(self._tracked):
                entry = self._tracked.pop(pgid)
                if entry.stopped:
                    signal_group(pgid, signal.SIGCONT)
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._tracked and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                period_end = time.monotonic() + self.period_s
                for entry in self._tracked.values():  # a new period: new credit
                    entry.start_period()
                    if entry.stopped and entry.credit_s > 0:
                        signal_group(entry.pgid, signal.SIGCONT)
                        entry.stopped = False
            self._police_until(period_end)

    def _police_until(self, period_end: float) -> None:
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                if now >= period_end:
                    return
                next_check = period_end
                for entry in self._tracked.values():
                    if entry.stopped:
                        continue
                    left = entry.left_s()
                    if left <= 0:
                        signal_group(entry.pgid, signal.SIGSTOP)
                        entry.stopped = True
                    else:
                        # It cannot burn more CPU than wall time (one thread): check again then.
                        next_check = min(next_check, now + max(left, 0.0002))
                # track() notifies, so a worker that starts mid-period is policed from its start.
                self._lock.wait(max(0.0, next_check - time.monotonic()))


def signal_group(pgid: int, sig: int) -> None:
    """Send ``sig`` to a worker's process group; a group that is already gone is not an error."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(process) -> None:
    """SIGKILL a worker's process group and any child that left it, then reap the worker."""
    try:
        stragglers = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        stragglers = []
    signal_group(process.pid, signal.SIGKILL)
    for child in stragglers:  # children that left the process group
        try:
            child.kill()
        except psutil.Error:
            pass
    try:
        process.wait(timeout=5)
    except Exception:  # noqa: BLE001 - a zombie we cannot reap is not worth failing over
        pass
