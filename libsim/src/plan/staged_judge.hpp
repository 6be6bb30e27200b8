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
#include <vector>

#include "servesim/metrics/result.hpp"
#include "servesim/plan/saturation.hpp"

namespace servesim::detail {

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

/**
 * True when the stages still to come, `more` replications, cannot decide
 * `r`'s verdict on `slo`: no term lies far enough above its limit to be
 * rejected, and some term lies so near its limit that even with `more`
 * replications its 99 % interval (its spread so far, narrowed by the larger
 * count and the smaller t quantile) would still straddle it by half its
 * width. A prediction from the spread so far: when wrong, the stages skipped
 * only cost the candidate its early verdict, never a wrong one.
 */
[[nodiscard]] bool cannot_decide(const Result& r, const std::vector<SloTerm>& slo, int more);

/// Simulates one stage: `replications` replications of `share` of a run, on `seed`.
using RunStage = std::function<Result(int replications, double share, std::uint64_t seed)>;
/// The verdict on every replication so far (decisive_verdict, with the caller's conditions).
using DecideStage = std::function<std::optional<bool>(const Result& pooled)>;
/// Whether the stages after an undecided one may stop: given every replication
/// so far and the replications still to come (cannot_decide).
using GiveUpStage = std::function<bool(const Result& pooled, int more)>;

/** What the stages found. */
struct StagedVerdict {
  Result pooled;                ///< every replication simulated, summarized together
  std::optional<bool> verdict;  ///< unset: still undecided when the stages ran out
};

/**
 * Runs `stages` (replications per stage, each of kStageShare of a run), stage
 * k on `first_seed + k`, until `decide` gives a verdict on all replications
 * so far, or `give_up` (when given) says the rest cannot give one. No
 * replication is simulated twice: each stage adds new ones, whose indices
 * follow the earlier stages'.
 */
[[nodiscard]] StagedVerdict judge_in_stages(std::span<const int> stages, std::uint64_t first_seed,
                                            const RunStage& run, const DecideStage& decide,
                                            const GiveUpStage& give_up = {});

}  // namespace servesim::detail
