#pragma once
// Units the tests write sizes in; the library takes bytes.

namespace servesim::test {

inline constexpr double kMB = 1024.0 * 1024.0;  ///< bytes in a mebibyte, as "MB" parses

}  // namespace servesim::test
