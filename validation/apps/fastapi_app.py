"""FastAPI app served by Uvicorn in validation/.

Endpoints (``cpu_ms`` is thread CPU time holding the GIL, ``io_ms`` a wait):
- ``GET /zero``: ``async def``, no work: framework and server overhead alone.
- ``GET /zero_def``: plain ``def``, no work: adds the thread-pool hand-off.
- ``GET /async?cpu_ms=C&io_ms=I``: ``async def``; the CPU runs on the event loop,
  the wait is ``await asyncio.sleep`` (the loop serves others meanwhile).
- ``GET /def?cpu_ms=C&io_ms=I``: plain ``def``, run in the thread pool
  (40 threads by default); the wait is ``time.sleep`` in that thread.
- ``GET /blocking?cpu_ms=C&io_ms=I``: ``async def`` with a blocking call:
  ``time.sleep`` on the loop, which stalls every other request of the process.
"""

import asyncio
import os
import sys
import time

from fastapi import FastAPI, Query

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from work import burn_cpu  # noqa: E402

app = FastAPI()

CpuMs = Query(0.0, ge=0.0, description="thread CPU time to burn, ms")
IoMs = Query(0.0, ge=0.0, description="time to wait, ms")


@app.get("/zero")
async def zero() -> dict:
    return {"ok": True}


@app.get("/zero_def")
def zero_def() -> dict:
    return {"ok": True}


@app.get("/async")
async def async_work(cpu_ms: float = CpuMs, io_ms: float = IoMs) -> dict:
    burn_cpu(cpu_ms)
    if io_ms > 0:
        await asyncio.sleep(io_ms / 1000.0)
    return {"ok": True}


@app.get("/def")
def def_work(cpu_ms: float = CpuMs, io_ms: float = IoMs) -> dict:
    burn_cpu(cpu_ms)
    if io_ms > 0:
        time.sleep(io_ms / 1000.0)
    return {"ok": True}


@app.get("/blocking")
async def blocking_work(cpu_ms: float = CpuMs, io_ms: float = IoMs) -> dict:
    burn_cpu(cpu_ms)
    if io_ms > 0:
        time.sleep(io_ms / 1000.0)  # deliberately blocking: the case being measured
    return {"ok": True}
