#pragma once
// The scenario file's names of server and phase kinds, for messages and for
// writing a scenario back out.

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// `gunicorn-sync`, `gunicorn-gthread`, `gunicorn-gevent` or `uvicorn`.
const char* server_kind_name(ServerKind kind);
/// A phase's key in the file: `cpu`, `io`, `db`, ...
const char* phase_kind_name(PhaseKind kind);

}  // namespace servesim::detail
