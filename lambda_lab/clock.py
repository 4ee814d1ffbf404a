"""Time, passed in rather than read deep inside (keep-alive, schedules and deadlines use it).

``SystemClock`` is wall time. ``ManualClock`` only moves when told to, so tests and notebooks can
"wait ten minutes" instantly: ``clock.advance(600)``.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "SystemClock", "ManualClock", "LabClock"]


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (UTC)."""


class SystemClock:
    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until :meth:`advance` moves it. Thread-safe."""

    def __init__(self, start: float | None = None):
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (got {seconds} s)")
        with self._lock:
            self._now += seconds
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now:.3f})"


class LabClock:
    """Wall time that a notebook can move forward or speed up.

    ``advance(600)`` jumps ten minutes (idle environments are reclaimed, retries come due);
    ``speed = 360`` makes one real second count as six simulated minutes.
    """

    def __init__(self, start: float | None = None, speed: float = 1.0):
        self._lock = threading.Lock()
        self._base = time.time() if start is None else float(start)
        self._mono = time.monotonic()
        self._speed = float(speed)

    def now(self) -> float:
        with self._lock:
            return self._base + (time.monotonic() - self._mono) * self._speed

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (got {seconds} s)")
        with self._lock:
            self._base += seconds
            return self._base + (time.monotonic() - self._mono) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("speed must be positive (1 = real time)")
        with self._lock:
            now = time.monotonic()
            self._base += (now - self._mono) * self._speed
            self._mono = now
            self._speed = float(factor)

    def __repr__(self) -> str:
        return f"LabClock(speed={self._speed:g})"
