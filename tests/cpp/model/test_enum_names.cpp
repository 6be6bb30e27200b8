// Tests for model/enum_names.hpp: every value of every scenario enum has one
// name, and the name reads back as the value.

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "model/enum_names.hpp"

using namespace servesim;
using servesim::detail::EnumNames;
using servesim::detail::enum_names;
using servesim::detail::enum_value;
using servesim::detail::name_of;

namespace {

// Every enumerator from 0 to `count` - 1 is in the table, once, with a
// distinct name that reads back as itself.
template <class E>
void check_table(int count) {
  CHECK(EnumNames<E>::entries.size() == static_cast<std::size_t>(count));
  std::set<std::string_view> names;
  for (int i = 0; i < count; ++i) {
    const auto value = static_cast<E>(i);
    const std::string_view name = name_of(value);
    INFO(name);
    CHECK(name != "?");
    CHECK(enum_value<E>(name) == value);
    CHECK(names.insert(name).second);
  }
  CHECK_FALSE(enum_value<E>("no-such-name").has_value());
}

}  // namespace

TEST_CASE("each scenario enum has one table, value <-> name", "[model][enum_names]") {
  check_table<ServerKind>(7);
  check_table<PhaseKind>(10);
  check_table<BalancingPolicy>(4);
  check_table<ArrivalProcess>(4);
  check_table<EndpointStyle>(2);
  check_table<PythonBuild>(2);
  check_table<PoolDriver>(5);
  CHECK(name_of(ServerKind::gunicorn_gthread) == "gunicorn-gthread");
  CHECK(enum_value<PhaseKind>("cpu_nogil") == PhaseKind::cpu_nogil);
  CHECK(enum_names<BalancingPolicy>() ==
        std::vector<std::string>{"round_robin", "least_connections", "power_of_two", "random"});
}
