"""The FastAPI app of fastapi_app.py, with the event loop's order recorded.

Served by Uvicorn for validation/loop_order.py. It records, in memory, one
event per request step with ``time.perf_counter_ns()`` and the client's port
(one keep-alive connection of wrk):

- ``read``: Uvicorn's ``data_received`` for the connection, which the loop
  calls from its I/O poll, one after another in the order the poll returned
  the ready sockets (so the reads of one poll share a run of ``read`` events);
- ``start`` and ``end``: the app's call for the request, which runs in the
  Task that ``data_received`` created (the response is written just before
  ``end``).

At shutdown the events go to the file named by ``LOOP_TRACE_OUT`` as JSON lines
``[kind, time_ns, port]``. Recording costs a list append per step.
"""

import json
import os
import sys
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fastapi_app import app as traced_app  # noqa: E402

_EVENTS: list[tuple[str, int, int]] = []
_now = time.perf_counter_ns


def _port(transport) -> int:
    peer = transport.get_extra_info("peername")
    return peer[1] if peer else -1


_data_received = HttpToolsProtocol.data_received


def _traced_data_received(self, data: bytes) -> None:
    _EVENTS.append(("read", _now(), _port(self.transport)))
    _data_received(self, data)


HttpToolsProtocol.data_received = _traced_data_received


async def app(scope, receive, send):
    """`traced_app` with the start and end of each HTTP request recorded."""
    if scope["type"] == "lifespan":
        # Uvicorn ends by re-raising SIGTERM, so atexit never runs: dump at shutdown.
        async def send_then_dump(message):
            if message["type"] == "lifespan.shutdown.complete":
                _dump()
            await send(message)

        await traced_app(scope, receive, send_then_dump)
        return
    if scope["type"] != "http":
        await traced_app(scope, receive, send)
        return
    port = scope["client"][1] if scope.get("client") else -1
    _EVENTS.append(("start", _now(), port))
    await traced_app(scope, receive, send)
    _EVENTS.append(("end", _now(), port))


def _dump() -> None:
    path = os.environ.get("LOOP_TRACE_OUT")
    if not path:
        return
    with open(path, "w") as out:
        for event in _EVENTS:
            out.write(json.dumps(event) + "\n")
