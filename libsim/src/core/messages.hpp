#pragma once
/// @file messages.hpp
/// Pieces of error messages: typo suggestions ("did you mean 'workers'?"),
/// lists and numbers.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace servesim::detail {

/**
 * The candidate `word` was most likely a typo of, if any is close enough:
 * the smallest case-insensitive edit distance (adjacent transpositions count
 * as one edit) if it is at most max(1, |word| / 3), else the first candidate
 * that starts with `word` (at least 3 characters), else nothing.
 */
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates);

/// `"; did you mean 'x'?"` when closest_match() finds one, otherwise empty.
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       const std::vector<std::string>& candidates);

/// The items separated by ", ".
[[nodiscard]] std::string join(const std::vector<std::string>& items);

/// The shortest text that reads back as `value` (`0.01`, `2000`, `1e-09`).
[[nodiscard]] std::string format_number(double value);

}  // namespace servesim::detail
