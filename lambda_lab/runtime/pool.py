"""Execution environments for one function version, and the concurrency they may use.

AWS scales a function out one environment per concurrent request, reuses an idle environment
when it has one, and throttles (HTTP 429) past the function's reserved concurrency or the
account's unreserved concurrency. Provisioned environments are initialised ahead of time and kept.
"""

from __future__ import annotations

import threading
from typing import Callable

from ..clock import Clock
from ..errors import InvalidParameterValueError, TooManyRequestsError
from .environment import EnvironmentSpec, EnvironmentState, ExecutionEnvironment

__all__ = ["ConcurrencyLedger", "EnvironmentPool", "DEFAULT_KEEP_ALIVE_S"]

DEFAULT_KEEP_ALIVE_S = 600.0  # AWS does not document it; 5-15 minutes is what people observe


class ConcurrencyLedger:
    """The account's concurrency: who holds how many slots, and who has reserved how many."""

    def __init__(self, account_limit: int):
        if account_limit < 1:
            raise InvalidParameterValueError("The account concurrency limit must be at least 1.")
        self.account_limit = account_limit
        self._reserved: dict[str, int] = {}
        self._in_use: dict[str, int] = {}
        self._lock = threading.Lock()

    def reserve(self, function: str, count: int | None) -> None:
        """Set (or, with None, remove) a function's reserved concurrency."""
        with self._lock:
            others = sum(n for name, n in self._reserved.items() if name != function)
            if count is not None and (count < 0 or others + count > self.account_limit):
                raise InvalidParameterValueError(
                    f"Specified ReservedConcurrentExecutions for function {function} decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value: the lab's account limit is "
                    f"{self.account_limit} and {others} is reserved by other functions.")
            if count is None:
                self._reserved.pop(function, None)
            else:
                self._reserved[function] = count

    def reserved(self, function: str) -> int | None:
        return self._reserved.get(function)

    def in_use(self, function: str | None = None) -> int:
        with self._lock:
            return sum(self._in_use.values()) if function is None else self._in_use.get(function, 0)

    def acquire(self, function: str) -> None:
        with self._lock:
            reserved = self._reserved.get(function)
            if reserved is not None:
                if self._in_use.get(function, 0) >= reserved:
                    raise TooManyRequestsError(
                        f"Rate Exceeded. Function '{function}' is using all {reserved} of its reserved "
                        "concurrency; wait for a call to finish, or raise its reserved concurrency.",
                        reason="ReservedFunctionConcurrentInvocationLimitExceeded")
            else:
                unreserved = self.account_limit - sum(self._reserved.values())
                used = sum(n for name, n in self._in_use.items() if name not in self._reserved)
                if used >= unreserved:
                    raise TooManyRequestsError(
                        f"Rate Exceeded. The account's {unreserved} unreserved concurrent executions are "
                        "all in use; wait for calls to finish, or raise the lab's concurrency limit.",
                        reason="ConcurrentInvocationLimitExceeded")
            self._in_use[function] = self._in_use.get(function, 0) + 1

    def release(self, function: str) -> None:
        with self._lock:
            self._in_use[function] -= 1


EnvironmentFactory = Callable[[bool], ExecutionEnvironment]


class EnvironmentPool:
    """Environments of one function version: reuse warm ones, start new ones, reclaim idle ones."""

    def __init__(self, spec: EnvironmentSpec, *, factory: EnvironmentFactory, ledger: ConcurrencyLedger,
                 clock: Clock, keep_alive_s: float = DEFAULT_KEEP_ALIVE_S, snapshot=None):
        self.spec = spec
        self._snapshot = snapshot   # SnapStart: deleted with the version
        self._factory = factory
        self._ledger = ledger
        self._clock = clock
        self.keep_alive_s = keep_alive_s
        self._idle: list[ExecutionEnvironment] = []
        self._busy: set[ExecutionEnvironment] = set()
        self._provisioned: list[ExecutionEnvironment] = []
        self._lock = threading.Lock()
        self._retired = False

    @property
    def environments(self) -> list[ExecutionEnvironment]:
        with self._lock:
            return list(self._idle) + list(self._busy)

    def acquire(self, tenant_id: str | None = None) -> ExecutionEnvironment:
        """An environment for one invocation: a warm one if there is one, else a new one (cold).

        With ``tenant_id`` (a PER_TENANT function) only an environment of that tenant is reused, and
        a new one is that tenant's for life: "a function's execution environments are only used to
        serve invocations from the specified end-user or tenant"; at most 2,500 tenant environments
        (busy or idle) per 1,000 of concurrency, past which Lambda answers TooManyRequestsException.
        https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation.html and
        https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-troubleshooting.html
        Raises TooManyRequestsError past the concurrency limit.
        """
        self.reclaim_idle()
        with self._lock:
            if self._retired:
                raise RuntimeError("this function version was replaced")  # callers resolve again
            self._ledger.acquire(self.spec.function_name)
            mine = [env for env in self._idle if env.tenant_id == tenant_id]
            if mine:
                # Provisioned environments first (AWS routes to them before spilling over), then
                # the most recently used, so the others can age out.
                env = max(mine, key=lambda env: (env.provisioned, env.last_used))
                self._idle.remove(env)
                self._busy.add(env)
                return env
            if tenant_id is not None:
                limit = self._tenant_environment_limit()
                if len(self._idle) + len(self._busy) >= limit:
                    self._ledger.release(self.spec.function_name)
                    raise TooManyRequestsError(
                        f"Rate exceeded: this function already has {limit} tenant execution environments "
                        "(Lambda allows 2,500 per 1,000 of concurrency). Reuse tenant ids, retry with backoff, "
                        "or raise the function's concurrency.")
        try:
            env = self._factory(False)
            env.tenant_id = tenant_id
            env.start()
        except BaseException:
            self._ledger.release(self.spec.function_name)
            raise
        with self._lock:
            self._busy.add(env)
        return env

    def _tenant_environment_limit(self) -> int:
        concurrency = self._ledger.reserved(self.spec.function_name) or self._ledger.account_limit
        return max(1, concurrency * 5 // 2)

    def release(self, env: ExecutionEnvironment) -> None:
        """The invocation is over: keep the environment warm, or let it go if it died."""
        with self._lock:
            self._busy.discard(env)
            self._ledger.release(self.spec.function_name)
            if env.state is EnvironmentState.DEAD:
                if env in self._provisioned:
                    self._provisioned.remove(env)
                return
            if self._retired:
                retire = True
            else:
                retire = False
                self._idle.append(env)
        if retire:
            env.close("function updated")

    def reclaim_idle(self) -> int:
        """Shut down environments idle longer than the keep-alive (provisioned ones stay)."""
        now = self._clock.now()
        with self._lock:
            stale = [env for env in self._idle
                     if not env.provisioned and now - env.last_used >= self.keep_alive_s]
            self._idle = [env for env in self._idle if env not in stale]
        for env in stale:
            env.close("idle")
        return len(stale)

    def set_provisioned(self, count: int) -> list[ExecutionEnvironment]:
        """Keep ``count`` environments initialised ahead of any request. Waits for their INIT."""
        with self._lock:
            surplus = self._provisioned[count:]
            self._provisioned = self._provisioned[:count]
            starting = [self._factory(True) for _ in range(count - len(self._provisioned))]
        for env in surplus:
            env.provisioned = False  # it now ages out like any on-demand environment
        for env in starting:
            env.start()
        for env in starting:
            env.wait_initialized()
        with self._lock:
            ready = [env for env in starting if env.state is EnvironmentState.IDLE]
            self._provisioned += ready
            self._idle += ready
        for env in starting:
            if env not in ready:
                env.close("provisioning failed")
        return ready

    @property
    def provisioned_count(self) -> int:
        with self._lock:
            return len(self._provisioned)

    def retire(self) -> None:
        """Retire every environment, as AWS does when code or configuration changes."""
        with self._lock:
            self._retired = True
            idle, self._idle, self._provisioned = self._idle, [], []
        for env in idle:
            env.close("function updated")

    def close(self) -> None:
        self.retire()
        with self._lock:
            busy = list(self._busy)
        for env in busy:
            env.close("service closed")
        if self._snapshot is not None:
            self._snapshot.close()
