#pragma once
/// @file warmup.hpp
/// Choosing how much of a run's start to discard as warm-up.

#include <cstddef>
#include <span>

namespace servesim {

/**
 * MSER-5 truncation point (White, 1997; White & Robinson, 2010).
 *
 * `observations` are output values in order (response times, or interval
 * means). They are grouped in batches of 5; the truncation d (in batches)
 * minimising the variance of the remaining batch means divided by their
 * count squared is chosen, searching only the first half of the run, as the
 * rule prescribes (d <= (m - 1) / 2 of m batches; an incomplete last batch is
 * ignored). Returns the number of *observations* to discard (a multiple of 5);
 * 0 for fewer than 10 observations.
 */
[[nodiscard]] std::size_t mser5_truncation(std::span<const double> observations);

}  // namespace servesim
