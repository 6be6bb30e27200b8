#pragma once
/// @file summary_fold.hpp
/// Folds one resource's per-replication records (metrics/replication.hpp)
/// into its summary (metrics/result.hpp), driven by the two field lists: each
/// summary field takes the replication field of the same name, and the pair
/// of member types says how replications combine. Adding a metric to a
/// record and its summary therefore needs no code here.
///
/// | replication field      | summary field          | fold                                  |
/// |------------------------|------------------------|---------------------------------------|
/// | `std::string`          | `std::string`          | the first replication's (a name)      |
/// | `std::uint64_t`        | `std::uint64_t`        | sum (counts)                          |
/// | `double`               | `ConfidenceInterval`   | mean with its 95 % interval           |
/// | `double`               | `double`               | largest, NaN ignored (peaks, maxima)  |
/// | `vector<uint64_t>`     | `vector<uint64_t>`     | element sums, the first's length      |
/// | a record               | a record               | field by field, recursively           |
/// | `vector<record>`       | `vector<record>`       | position by position, recursively     |

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "servesim/metrics/fields.hpp"
#include "servesim/metrics/statistics.hpp"

namespace servesim::detail {

inline constexpr std::size_t kNoPartner = static_cast<std::size_t>(-1);

/// Index of the entry of `Stats`'s field list named `name` that is a stored field, or kNoPartner.
template <Record Stats, std::size_t... J>
constexpr std::size_t partner_index(std::string_view name, std::index_sequence<J...> /*indices*/) {
  std::size_t found = kNoPartner;
  (((!is_computed_v<std::tuple_element_t<J, decltype(Stats::fields())>> &&
     std::string_view(std::get<J>(Stats::fields()).name) == name)
        ? (found = J, 0)
        : 0),
   ...);
  return found;
}

template <class T>
inline constexpr bool is_vector_v = false;
template <class T>
inline constexpr bool is_vector_v<std::vector<T>> = true;

template <class Summary, class Stats>
Summary fold(const std::vector<const Stats*>& replications);

/// One summary per position of the replications' `member` vectors (every
/// replication of a scenario has the same resources, in the same order).
template <class SummaryItem, class Owner, class StatsItem>
std::vector<SummaryItem> fold_each(const std::vector<const Owner*>& replications,
                                   std::vector<StatsItem> Owner::*member) {
  std::vector<SummaryItem> items;
  if (replications.empty()) return items;
  const std::size_t count = (replications.front()->*member).size();
  items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<const StatsItem*> parts;
    parts.reserve(replications.size());
    for (const Owner* r : replications) parts.push_back(&(r->*member).at(i));
    items.push_back(fold<SummaryItem>(parts));
  }
  return items;
}

/// One field's fold: the summary's value of `member` over the replications' records.
template <class SummaryMember, class Stats, class StatsMember>
SummaryMember fold_member(const std::vector<const Stats*>& replications, StatsMember Stats::*member) {
  if constexpr (std::is_same_v<SummaryMember, std::string> && std::is_same_v<StatsMember, std::string>) {
    return replications.empty() ? std::string{} : replications.front()->*member;
  } else if constexpr (std::is_same_v<SummaryMember, std::uint64_t> && std::is_same_v<StatsMember, std::uint64_t>) {
    std::uint64_t total = 0;
    for (const Stats* r : replications) total += r->*member;
    return total;
  } else if constexpr (std::is_same_v<SummaryMember, ConfidenceInterval> && std::is_same_v<StatsMember, double>) {
    std::vector<double> values;
    values.reserve(replications.size());
    for (const Stats* r : replications) values.push_back(r->*member);
    return mean_ci(values);
  } else if constexpr (std::is_same_v<SummaryMember, double> && std::is_same_v<StatsMember, double>) {
    double largest = std::nan("");
    for (const Stats* r : replications) largest = std::fmax(largest, r->*member);
    return largest;
  } else if constexpr (std::is_same_v<SummaryMember, std::vector<std::uint64_t>> &&
                       std::is_same_v<StatsMember, std::vector<std::uint64_t>>) {
    if (replications.empty()) return {};
    SummaryMember sums((replications.front()->*member).size(), 0);
    for (const Stats* r : replications) {
      const StatsMember& counts = r->*member;
      for (std::size_t k = 0; k < counts.size() && k < sums.size(); ++k) sums[k] += counts[k];
    }
    return sums;
  } else if constexpr (Record<SummaryMember> && Record<StatsMember>) {
    std::vector<const StatsMember*> parts;
    parts.reserve(replications.size());
    for (const Stats* r : replications) parts.push_back(&(r->*member));
    return fold<SummaryMember>(parts);
  } else if constexpr (is_vector_v<SummaryMember> && is_vector_v<StatsMember>) {
    return fold_each<typename SummaryMember::value_type>(replications, member);
  } else {
    static_assert(sizeof(SummaryMember) == 0, "no fold for this pair of member types (see the table above)");
  }
}

/// Folds summary field I of `Summary` from the field of `Stats` with its name.
template <class Summary, class Stats, std::size_t I>
void fold_field(Summary& summary, const std::vector<const Stats*>& replications) {
  using Entry = std::tuple_element_t<I, decltype(Summary::fields())>;
  if constexpr (!is_computed_v<Entry>) {
    constexpr Entry target = std::get<I>(Summary::fields());
    if constexpr (!target.unfolded) {
      constexpr std::size_t j = partner_index<Stats>(
          target.name, std::make_index_sequence<std::tuple_size_v<decltype(Stats::fields())>>{});
      static_assert(j != kNoPartner, "a summary field needs a replication field of the same name, or unfolded_field()");
      constexpr auto source = std::get<j>(Stats::fields());
      summary.*target.member = fold_member<typename Entry::value_type>(replications, source.member);
    }
  }
}

/// The summary of one resource's records, one per replication.
template <class Summary, class Stats>
Summary fold(const std::vector<const Stats*>& replications) {
  Summary summary;
  [&]<std::size_t... I>(std::index_sequence<I...> /*indices*/) {
    (fold_field<Summary, Stats, I>(summary, replications), ...);
  }(std::make_index_sequence<std::tuple_size_v<decltype(Summary::fields())>>{});
  return summary;
}

}  // namespace servesim::detail
