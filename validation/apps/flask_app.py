"""Flask app served by Gunicorn (sync and gthread workers) in validation/.

Endpoints:
- ``GET /zero``: no work, a small JSON body: the framework and server overhead alone.
- ``GET /work?cpu_ms=C&io_ms=I``: C ms of CPU (thread CPU time, holding the GIL),
  then I ms of blocking wait (``time.sleep``, which releases the GIL like a
  database or HTTP client call).
"""

import os
import sys
import time

from flask import Flask, request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from work import burn_cpu, milliseconds  # noqa: E402

app = Flask(__name__)


@app.get("/zero")
def zero() -> dict:
    return {"ok": True}


@app.get("/work")
def work() -> dict:
    try:
        cpu_ms = milliseconds(request.args.get("cpu_ms"))
        io_ms = milliseconds(request.args.get("io_ms"))
    except ValueError as error:
        return {"error": str(error)}, 400
    burn_cpu(cpu_ms)
    if io_ms > 0:
        time.sleep(io_ms / 1000.0)
    return {"ok": True}
