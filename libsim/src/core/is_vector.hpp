#pragma once
// Whether a type is a std::vector: the records' JSON writer and reader and the
// summaries' fold treat vector members (per server, per host) element-wise.

#include <vector>

namespace servesim::detail {

template <class T>
inline constexpr bool is_vector_v = false;
template <class T>
inline constexpr bool is_vector_v<std::vector<T>> = true;

}  // namespace servesim::detail
