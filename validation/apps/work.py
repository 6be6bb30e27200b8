"""The work the validation endpoints do, shared by the Flask and FastAPI apps.

CPU is burnt until the calling thread's own CPU time (``time.thread_time``) has
advanced by the requested amount, so time spent waiting for the GIL or for the
core does not count as work: a request asking for 2 ms of CPU costs 2 ms of
CPU however many threads compete, which is what a ``cpu`` phase means in the
model.
"""

import time

# Pure-Python steps between two clock reads: about 5 us of work per read on a
# 2020s core, so reading the clock (a system call) adds under 10 % and the
# overshoot past the target stays in the microseconds.
_STEPS_PER_CHECK = 200


def burn_cpu(cpu_ms: float) -> None:
    """Run Python bytecode (holding the GIL) for `cpu_ms` ms of thread CPU time."""
    if cpu_ms <= 0:
        return
    end = time.thread_time() + cpu_ms / 1000.0
    counter = 0
    while time.thread_time() < end:
        for _ in range(_STEPS_PER_CHECK):
            counter += 1


def milliseconds(value: str | None) -> float:
    """A query parameter in ms, 0 when absent; rejects negatives and junk."""
    if value is None or value == "":
        return 0.0
    number = float(value)
    if not number >= 0.0:
        raise ValueError(f"must be a number of ms >= 0, got {value!r}")
    return number
