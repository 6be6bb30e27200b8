#include <catch2/catch.hpp>
#include <vector>

#include "servesim/analytic/mva.hpp"
#include "servesim/analytic/mva_multiclass.hpp"
#include "servesim/errors.hpp"

using servesim::mva_multiclass_exact;
using servesim::mva_multiclass_schweitzer;
using Class = servesim::MvaClass;
using Station = servesim::MvaStation;
using Kind = servesim::MvaStation::Kind;

TEST_CASE("mva_multiclass_exact on hand-solved networks", "[analytic][mva]") {
  const std::vector<Station> net{{"cpu", Kind::queue, 0.0, 1}, {"disk", Kind::queue, 0.0, 1},
                                 {"lan", Kind::delay, 0.0, 1}};
  SECTION("one user of each class") {
    // Population (1, 1) (Lazowska et al., QSP, section 7.3): class r sees the other class
    // alone, whose queue lengths are Q_k(1_s) = X_s D_sk, X_s = 1 / (Z_s + sum_k D_sk).
    // Class 1: D = (0.2, 0.1, 0.05), Z = 1; class 2: D = (0.1, 0.4, 0.05), Z = 2.
    const std::vector<Class> classes{{"a", 1, 1.0, {0.2, 0.1, 0.05}},
                                     {"b", 1, 2.0, {0.1, 0.4, 0.05}}};
    const double x1_alone = 1.0 / 1.35, x2_alone = 1.0 / 2.55;
    const double r1 = 0.2 * (1 + x2_alone * 0.1) + 0.1 * (1 + x2_alone * 0.4) + 0.05;
    const double r2 = 0.1 * (1 + x1_alone * 0.2) + 0.4 * (1 + x1_alone * 0.1) + 0.05;
    const auto r = mva_multiclass_exact(net, classes);
    CHECK(r.response_time[0] == Approx(r1).epsilon(1e-14));
    CHECK(r.response_time[1] == Approx(r2).epsilon(1e-14));
    CHECK(r.throughput[0] == Approx(1.0 / (r1 + 1.0)).epsilon(1e-14));
    CHECK(r.throughput[1] == Approx(1.0 / (r2 + 2.0)).epsilon(1e-14));
    CHECK(r.station_utilization[0] ==
          Approx(r.throughput[0] * 0.2 + r.throughput[1] * 0.1).epsilon(1e-14));
  }
  SECTION("identical classes merge into one") {
    // Two classes with the same demands and think time are one class of N1 + N2 users
    // (product form); the single-class recursion is an independent implementation.
    const std::vector<Class> split{{"a", 7, 0.5, {0.03, 0.02, 0.01}},
                                   {"b", 5, 0.5, {0.03, 0.02, 0.01}}};
    const std::vector<Station> single{{"cpu", Kind::queue, 0.03, 1}, {"disk", Kind::queue, 0.02, 1},
                                      {"lan", Kind::delay, 0.01, 1}};
    const auto merged = servesim::mva_exact(single, 12, 0.5);
    const auto r = mva_multiclass_exact(net, split);
    CHECK(r.throughput[0] + r.throughput[1] == Approx(merged.throughput).epsilon(1e-12));
    CHECK(r.response_time[0] == Approx(merged.response_time).epsilon(1e-12));
    CHECK(r.response_time[1] == Approx(merged.response_time).epsilon(1e-12));
    CHECK(r.station_queue_length[0] == Approx(merged.station_queue_length[0]).epsilon(1e-12));
  }
  SECTION("an empty class is absent") {
    const std::vector<Class> with_empty{{"a", 9, 1.0, {0.03, 0.02, 0.01}},
                                        {"b", 0, 1.0, {0.5, 0.5, 0.5}}};
    const std::vector<Class> alone{{"a", 9, 1.0, {0.03, 0.02, 0.01}}};
    CHECK(mva_multiclass_exact(net, with_empty).throughput[0] ==
          Approx(mva_multiclass_exact(net, alone).throughput[0]).epsilon(1e-14));
    CHECK(mva_multiclass_exact(net, with_empty).throughput[1] == 0.0);
  }
}

TEST_CASE("mva_multiclass_schweitzer approximates the exact solution", "[analytic][mva]") {
  const std::vector<Station> net{{"cpu", Kind::queue, 0.0, 1}, {"disk", Kind::queue, 0.0, 1},
                                 {"lan", Kind::delay, 0.0, 1}};
  SECTION("one class is the single-class Schweitzer") {
    const std::vector<Class> one{{"a", 30, 1.0, {0.04, 0.03, 0.01}}};
    const std::vector<Station> single{{"cpu", Kind::queue, 0.04, 1}, {"disk", Kind::queue, 0.03, 1},
                                      {"lan", Kind::delay, 0.01, 1}};
    CHECK(mva_multiclass_schweitzer(net, one).throughput[0] ==
          Approx(servesim::mva_schweitzer(single, 30, 1.0).throughput).epsilon(1e-9));
  }
  SECTION("within a few percent with two classes") {
    // Bard–Schweitzer's throughput error is typically a few percent (QSP section 7.4.2).
    for (int n : {1, 3, 10, 30}) {
      const std::vector<Class> classes{{"browse", 2 * n, 1.0, {0.02, 0.01, 0.005}},
                                       {"report", n, 3.0, {0.05, 0.12, 0.005}}};
      const auto exact = mva_multiclass_exact(net, classes);
      const auto approx = mva_multiclass_schweitzer(net, classes);
      INFO("n " << n);
      CHECK(approx.throughput[0] == Approx(exact.throughput[0]).epsilon(0.06));
      CHECK(approx.throughput[1] == Approx(exact.throughput[1]).epsilon(0.06));
    }
  }
  SECTION("multi-server stations saturate at c / D") {
    // 8 workers of 0.08 s serve at most 100 req/s whatever the class mix.
    const std::vector<Station> pool{{"pool", Kind::multi_server, 0.0, 8}};
    const std::vector<Class> classes{{"a", 500, 0.1, {0.08}}, {"b", 500, 0.1, {0.08}}};
    const auto r = mva_multiclass_schweitzer(pool, classes);
    CHECK(r.throughput[0] + r.throughput[1] == Approx(100.0).epsilon(1e-3));
  }
}

TEST_CASE("multi-class MVA rejects bad input", "[analytic][mva]") {
  const std::vector<Station> net{{"cpu", Kind::queue, 0.0, 1}};
  const std::vector<Class> short_demands{{"a", 2, 1.0, {}}};
  CHECK_THROWS_WITH(mva_multiclass_exact(net, short_demands),
                    "mva_multiclass_exact: classes[0].demands must have one value per station (1), got 0");
  const std::vector<Class> negative{{"a", -1, 1.0, {0.1}}};
  CHECK_THROWS_WITH(mva_multiclass_exact(net, negative),
                    "mva_multiclass_exact: classes[0].users must be >= 0, got -1");
  const std::vector<Station> pool{{"pool", Kind::multi_server, 0.0, 4}};
  const std::vector<Class> ok{{"a", 2, 1.0, {0.1}}};
  CHECK_THROWS_AS(mva_multiclass_exact(pool, ok), servesim::Error);
  CHECK_THROWS_AS(mva_multiclass_exact(net, {}), servesim::Error);
  const std::vector<Class> huge{{"a", 5'000, 1.0, {0.1}}, {"b", 5'000, 1.0, {0.1}}};
  CHECK_THROWS_WITH(mva_multiclass_exact(net, huge), Catch::Contains("use mva_multiclass_schweitzer"));
}
