#include "servesim/analytic/mmck.hpp"

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <vector>

#include "analytic/require.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

void require_mmck(const char* function, double arrival_rate, double service_rate, int servers,
                  int capacity) {
  detail::require_non_negative(function, "arrival_rate", arrival_rate);
  detail::require_positive(function, "service_rate", service_rate);
  detail::require_at_least(function, "servers", servers, 1);
  detail::require_at_least(function, "capacity", capacity, servers);
}

/// Metrics from the stationary distribution p[0..K] of the number in system.
MmckMetrics metrics_of(const std::vector<double>& p, double arrival_rate, double service_rate,
                       int servers) {
  MmckMetrics m;
  const auto capacity = static_cast<int>(p.size()) - 1;
  double busy_servers = 0.0;
  for (int n = 0; n <= capacity; ++n) {
    m.mean_in_system += n * p[n];
    m.mean_queue_length += std::max(0, n - servers) * p[n];
    busy_servers += std::min(n, servers) * p[n];
  }
  m.loss_probability = p[capacity];
  m.throughput = arrival_rate * (1.0 - m.loss_probability);
  m.utilization = busy_servers / servers;
  if (m.throughput > 0.0) {
    m.mean_response = m.mean_in_system / m.throughput;
    m.mean_wait = m.mean_queue_length / m.throughput;
  } else {
    m.mean_response = 1.0 / service_rate;  // the limit as lambda -> 0: no one ever waits
  }
  return m;
}

}  // namespace

MmckMetrics mmck(double arrival_rate, double service_rate, int servers, int capacity) {
  require_mmck("mmck", arrival_rate, service_rate, servers, capacity);
  // log(p_n / p_mode), accumulated outwards from the mode so that the terms that carry the
  // mass have small exponents and little accumulated round-off even for K = 10^6.
  // p_n / p_{n-1} = a / min(n, c), a = lambda / mu; lambda = 0 gives log 0 = -inf, p_n = 0.
  const double load = arrival_rate / service_rate;
  const auto log_step = [&](int n) { return std::log(load / std::min(n, servers)); };
  const int mode = load >= servers ? capacity : std::min(capacity, static_cast<int>(load));
  std::vector<double> p(static_cast<std::size_t>(capacity) + 1);
  p[mode] = 0.0;
  for (int n = mode + 1; n <= capacity; ++n) p[n] = p[n - 1] + log_step(n);
  for (int n = mode - 1; n >= 0; --n) p[n] = p[n + 1] - log_step(n + 1);
  double total = 0.0;
  for (double& x : p) total += (x = std::exp(x));
  for (double& x : p) x /= total;
  return metrics_of(p, arrival_rate, service_rate, servers);
}

MmckMetrics mmck_ctmc(double arrival_rate, double service_rate, int servers, int capacity) {
  require_mmck("mmck_ctmc", arrival_rate, service_rate, servers, capacity);
  const int states = capacity + 1;
  // Rates divided by the largest total rate keep the matrix entries in [-1, 1].
  const double scale = arrival_rate + servers * service_rate;
  const auto birth = [&](int n) { return n < capacity ? arrival_rate / scale : 0.0; };
  const auto death = [&](int n) { return std::min(n, servers) * service_rate / scale; };

  // Row i of Q^T is the balance equation of state i; the last one is redundant and becomes
  // sum(p) = 1. Keeping that dense row last (and pivots on the diagonal, which the column
  // diagonal dominance of a generator allows) keeps the LU factors banded: O(K) fill-in.
  // Elimination starts at the improbable end (state K when rho < 1, state 0 otherwise), so
  // that round-off there stays relative to those tiny probabilities instead of absolute.
  const bool from_top = arrival_rate < servers * service_rate;
  const auto index = [&](int n) { return from_top ? capacity - n : n; };
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(4 * static_cast<std::size_t>(states));
  for (int n = 0; n <= capacity; ++n) {
    if (index(n) == capacity) continue;  // the equation replaced by normalisation
    if (n > 0) entries.emplace_back(index(n), index(n - 1), birth(n - 1));
    entries.emplace_back(index(n), index(n), -(birth(n) + death(n)));
    if (n < capacity) entries.emplace_back(index(n), index(n + 1), death(n + 1));
  }
  for (int col = 0; col < states; ++col) entries.emplace_back(capacity, col, 1.0);
  Eigen::SparseMatrix<double> a(states, states);
  a.setFromTriplets(entries.begin(), entries.end());
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(states);
  rhs(capacity) = 1.0;

  Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::NaturalOrdering<int>> solver;
  solver.setPivotThreshold(0.0);
  solver.compute(a);
  if (solver.info() != Eigen::Success) throw EngineError("mmck_ctmc: LU factorisation failed");
  const Eigen::VectorXd solution = solver.solve(rhs);
  if (solver.info() != Eigen::Success) throw EngineError("mmck_ctmc: solve failed");

  std::vector<double> p(static_cast<std::size_t>(states));
  // Round-off can leave -1e-300 where the probability is 0.
  for (int n = 0; n <= capacity; ++n) p[n] = std::max(solution(index(n)), 0.0);
  return metrics_of(p, arrival_rate, service_rate, servers);
}

}  // namespace servesim
