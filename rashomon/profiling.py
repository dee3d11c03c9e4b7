"""Wall time per pipeline stage (``rashomon analyze --profile``, ``rashomon ingest --profile``).

A :class:`StageTimer` collects seconds per stage name. The pipeline marks its stages with
:func:`stage`; they are timed only while a timer is active (``with timer:``), so a run
without ``--profile`` pays one context-variable read per mark. The active timer lives in a
:class:`contextvars.ContextVar`: nothing leaks from one run into the next, and two runs in
two threads time themselves apart.

Stages nest, and each second counts once, for the innermost stage running: the vectors the
framing stage asks for are ``embed`` time, not ``framing`` time, so the stages add up to
the timed total.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar, Token

_active: ContextVar[StageTimer | None] = ContextVar("rashomon_stage_timer", default=None)


class StageTimer:
    """Seconds per stage, innermost stage only; use as ``with timer: run()``.

    Attributes:
        seconds: Stage name → wall seconds, in the order stages first ran.
        calls: Stage name → how many times it was entered.
        total: Wall seconds between entering and leaving the timer.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.total = 0.0
        self._stack: list[str] = []
        self._since = 0.0
        self._started = 0.0
        self._token: Token[StageTimer | None] | None = None

    def __enter__(self) -> StageTimer:
        self._token = _active.set(self)
        self._started = self._since = time.perf_counter()
        self._stack = ["other"]
        return self

    def __exit__(self, *exc: object) -> None:
        self._charge(time.perf_counter())
        self.total += time.perf_counter() - self._started
        self._stack = []
        if self._token is not None:
            _active.reset(self._token)
            self._token = None

    def _charge(self, now: float) -> None:
        if self._stack:
            name = self._stack[-1]
            self.seconds[name] = self.seconds.get(name, 0.0) + now - self._since
        self._since = now

    def enter(self, name: str) -> None:
        """Start ``name``; the stage running until now pauses."""
        self._charge(time.perf_counter())
        self._stack.append(name)
        self.calls[name] = self.calls.get(name, 0) + 1

    def leave(self) -> None:
        """End the innermost stage; the one it interrupted resumes."""
        self._charge(time.perf_counter())
        if len(self._stack) > 1:
            self._stack.pop()

    def rows(self) -> list[tuple[str, float, float]]:
        """(stage, seconds, share of the total) for each stage, slowest first."""
        total = self.total or sum(self.seconds.values()) or 1.0
        ordered = sorted(self.seconds.items(), key=lambda item: -item[1])
        return [(name, seconds, seconds / total) for name, seconds in ordered if seconds > 0 or name != "other"]

    def format(self) -> str:
        """A plain-text table: one line per stage, then the total."""
        lines = [f"{'stage':<14} {'seconds':>9} {'share':>7} {'calls':>7}"]
        for name, seconds, share in self.rows():
            lines.append(f"{name:<14} {seconds:>9.2f} {share:>6.1%} {self.calls.get(name, 1):>7}")
        lines.append(f"{'total':<14} {self.total:>9.2f} {1:>6.0%}")
        return "\n".join(lines)


@contextmanager
def _timed(timer: StageTimer, name: str) -> Iterator[None]:
    timer.enter(name)
    try:
        yield
    finally:
        timer.leave()


_UNTIMED = nullcontext()


def stage(name: str) -> AbstractContextManager[None]:
    """``with stage("embed"):`` times the block as ``name`` when a timer is active, else does nothing."""
    timer = _active.get()
    if timer is None:
        return _UNTIMED
    return _timed(timer, name)
