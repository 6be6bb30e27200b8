#pragma once
// Judging one load (find_saturation) or one candidate (plan) against an SLO
// with short replications added in stages, stopping as soon as the
// replications so far decide it. Both searches share it: a load or candidate
// far from its limits is decided at a fraction of a run, and only those near
// the boundary cost their whole budget.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "servesim/metrics/result.hpp"
#include "servesim/plan/saturation.hpp"

namespace servesim::detail {

/// Whether an uncertain input at `path` is the workload's own load (its open rate or
/// closed users), which both searches set themselves.
[[nodiscard]] inline bool is_load_path(const std::string& path) {
  return path == "workload.open.rate" || path == "workload.closed.users";
}

// Replications of 1/32 of a run each, added in stages of 4, 4, 8 and 16: an
// eighth, a quarter, a half, the whole run. Each stage on a seed of its own
// (its replications independent of the earlier stages'), the same seeds for
// every load or candidate judged (common random numbers).
inline constexpr std::array<int, 4> kStages = {4, 4, 8, 16};
inline constexpr double kStageShare = 1.0 / 32.0;

/// A term's measure as the SLO reads it: the latency in seconds, or for
/// `errors` the share of failed attempts pooled over every replication.
[[nodiscard]] double slo_measure(const Result& r, SloMetric metric);

/// A term's 95 % interval across replications: the latency's, or for `errors`
/// the mean of the replications' own shares (the pooled share has no interval).
[[nodiscard]] ConfidenceInterval slo_interval(const Result& r, SloMetric metric);

/**
 * Decided when every term's 99 % interval lies on one side of its limit (a
 * wider level than the intervals' 95 %: an early wrong verdict costs more
 * than another stage). false as soon as one term lies wholly above its
 * limit; true when every term lies wholly below and `may_meet` (the caller's
 * other conditions, a completed share, hold); unset otherwise.
 */
[[nodiscard]] std::optional<bool> decisive_verdict(const Result& r, const std::vector<SloTerm>& slo, bool may_meet);

/// Simulates one stage: `replications` replications of `share` of a run, on `seed`.
using RunStage = std::function<Result(int replications, double share, std::uint64_t seed)>;
/// The verdict on every replication so far (decisive_verdict, with the caller's conditions).
using DecideStage = std::function<std::optional<bool>(const Result& pooled)>;

/** What the stages found. */
struct StagedVerdict {
  Result pooled;                ///< every replication simulated, summarized together
  std::optional<bool> verdict;  ///< unset: still undecided when the stages ran out
};

/**
 * Runs `stages` (replications per stage, each of kStageShare of a run), stage
 * k on `first_seed + k`, until `decide` gives a verdict on all replications
 * so far. No replication is simulated twice: each stage adds new ones, whose
 * indices follow the earlier stages'.
 */
[[nodiscard]] StagedVerdict judge_in_stages(std::span<const int> stages, std::uint64_t first_seed,
                                            const RunStage& run, const DecideStage& decide);

}  // namespace servesim::detail
