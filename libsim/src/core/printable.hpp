#pragma once
// Text a terminal shows as it is. User-provided text in messages (names,
// keys, values) is escaped, so a name holding an ANSI escape, a NUL or a
// zero-width space cannot disguise itself or the message around it; names
// are rejected outright when they hold such characters (model/checks.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace servesim::detail {

/// A character that would not print as itself.
struct Unprintable {
  std::size_t offset;        ///< byte offset in the text
  std::uint32_t code_point;  ///< the character, or the byte when `invalid` is set
  bool invalid;              ///< a byte that is not part of valid UTF-8
};

/**
 * The first character of `text` that is a control character (C0, DEL, C1),
 * invisible (zero-width spaces and joiners, the byte-order mark, soft hyphen),
 * a direction override or isolate, a line or paragraph separator, or a byte
 * that is not valid UTF-8.
 */
[[nodiscard]] std::optional<Unprintable> find_unprintable(std::string_view text);

/// `text` with each character find_unprintable() would report written as an
/// escape: `\n`, `\t`, `\r`, `\xNN` for other bytes and invalid UTF-8, `\u{NNNN}` above.
[[nodiscard]] std::string escape_unprintable(std::string_view text);

/// How messages name a character: `U+001B (ESC)`-style, `U+200B`, or `byte 0xFF (not UTF-8)`.
[[nodiscard]] std::string describe_unprintable(const Unprintable& character);

}  // namespace servesim::detail
