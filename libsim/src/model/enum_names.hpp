#pragma once
// The scenario file's name of every value of the scenario's enums, one table
// per enum: the parser reads names through it, the writer, the checks'
// messages and the bindings write them. A value's name never depends on its
// position in the enum, so reordering an enum changes nothing.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

/// Specialized below for each enum of the scenario: `entries` in the order
/// messages list them.
template <class E>
struct EnumNames;

template <>
struct EnumNames<ServerKind> {
  static constexpr std::string_view what = "server kind";
  static constexpr std::array<EnumName<ServerKind>, 7> entries{{
      {ServerKind::gunicorn_sync, "gunicorn-sync"},
      {ServerKind::gunicorn_gthread, "gunicorn-gthread"},
      {ServerKind::gunicorn_gevent, "gunicorn-gevent"},
      {ServerKind::uvicorn, "uvicorn"},
      {ServerKind::hypercorn, "hypercorn"},
      {ServerKind::granian, "granian"},
      {ServerKind::gunicorn_uvicorn, "gunicorn-uvicorn"},
  }};
};

template <>
struct EnumNames<PhaseKind> {
  static constexpr std::string_view what = "phase kind";
  static constexpr std::array<EnumName<PhaseKind>, 10> entries{{
      {PhaseKind::cpu, "cpu"},
      {PhaseKind::cpu_nogil, "cpu_nogil"},
      {PhaseKind::io, "io"},
      {PhaseKind::blocking_io, "blocking_io"},
      {PhaseKind::background, "background"},
      {PhaseKind::db, "db"},
      {PhaseKind::call, "call"},
      {PhaseKind::cache, "cache"},
      {PhaseKind::enqueue, "enqueue"},
      {PhaseKind::infer, "infer"},
  }};
};

template <>
struct EnumNames<BalancingPolicy> {
  static constexpr std::string_view what = "policy";
  static constexpr std::array<EnumName<BalancingPolicy>, 4> entries{{
      {BalancingPolicy::round_robin, "round_robin"},
      {BalancingPolicy::least_connections, "least_connections"},
      {BalancingPolicy::power_of_two, "power_of_two"},
      {BalancingPolicy::random, "random"},
  }};
};

template <>
struct EnumNames<ArrivalProcess> {
  static constexpr std::string_view what = "arrival process";
  static constexpr std::array<EnumName<ArrivalProcess>, 4> entries{{
      {ArrivalProcess::poisson, "poisson"},
      {ArrivalProcess::constant, "constant"},
      {ArrivalProcess::bursty, "bursty"},
      {ArrivalProcess::trace, "trace"},
  }};
};

template <>
struct EnumNames<EndpointStyle> {
  static constexpr std::string_view what = "style";
  static constexpr std::array<EnumName<EndpointStyle>, 2> entries{{
      {EndpointStyle::sync, "sync"},
      {EndpointStyle::async, "async"},
  }};
};

template <>
struct EnumNames<ConnectionKind> {
  static constexpr std::string_view what = "connection kind";
  static constexpr std::array<EnumName<ConnectionKind>, 2> entries{{
      {ConnectionKind::websocket, "websocket"},
      {ConnectionKind::stream, "stream"},
  }};
};

template <>
struct EnumNames<PythonBuild> {
  static constexpr std::string_view what = "python build";
  static constexpr std::array<EnumName<PythonBuild>, 2> entries{{
      {PythonBuild::standard, "standard"},
      {PythonBuild::free_threaded, "free-threaded"},
  }};
};

template <>
struct EnumNames<PoolDriver> {
  static constexpr std::string_view what = "driver";
  static constexpr std::array<EnumName<PoolDriver>, 5> entries{{
      {PoolDriver::sqlalchemy, "sqlalchemy"},
      {PoolDriver::asyncpg, "asyncpg"},
      {PoolDriver::psycopg_pool, "psycopg-pool"},
      {PoolDriver::psycopg_async_pool, "psycopg-async-pool"},
      {PoolDriver::psycopg2, "psycopg2"},
  }};
};

/// The file's name of `value`; every value has one (tests/cpp/model/test_enum_names.cpp).
template <class E>
[[nodiscard]] constexpr std::string_view name_of(E value) {
  for (const auto& entry : EnumNames<E>::entries) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

/// The value named `name`, if any.
template <class E>
[[nodiscard]] constexpr std::optional<E> enum_value(std::string_view name) {
  for (const auto& entry : EnumNames<E>::entries) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

/// Every name, in table order, for "known: ..." and "did you mean" in messages.
template <class E>
[[nodiscard]] std::vector<std::string> enum_names() {
  std::vector<std::string> names;
  names.reserve(EnumNames<E>::entries.size());
  for (const auto& entry : EnumNames<E>::entries) names.emplace_back(entry.name);
  return names;
}

/// `gunicorn-sync`, `gunicorn-gthread`, `gunicorn-gevent` or `uvicorn`.
[[nodiscard]] inline std::string server_kind_name(ServerKind kind) { return std::string(name_of(kind)); }
/// A phase's key in the file: `cpu`, `io`, `db`, ...
[[nodiscard]] inline std::string phase_kind_name(PhaseKind kind) { return std::string(name_of(kind)); }

}  // namespace servesim::detail
