#include "model/kind_names.hpp"

namespace servesim::detail {

const char* server_kind_name(ServerKind kind) {
  switch (kind) {
    case ServerKind::gunicorn_sync: return "gunicorn-sync";
    case ServerKind::gunicorn_gthread: return "gunicorn-gthread";
    case ServerKind::gunicorn_gevent: return "gunicorn-gevent";
    case ServerKind::uvicorn: return "uvicorn";
  }
  return "?";
}

const char* phase_kind_name(PhaseKind kind) {
  switch (kind) {
    case PhaseKind::cpu: return "cpu";
    case PhaseKind::cpu_nogil: return "cpu_nogil";
    case PhaseKind::io: return "io";
    case PhaseKind::blocking_io: return "blocking_io";
    case PhaseKind::background: return "background";
    case PhaseKind::db: return "db";
    case PhaseKind::call: return "call";
    case PhaseKind::cache: return "cache";
  }
  return "?";
}

}  // namespace servesim::detail
