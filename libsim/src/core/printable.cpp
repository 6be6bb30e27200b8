#include "core/printable.hpp"

#include <array>
#include <cstdio>

namespace servesim::detail {
namespace {

struct Decoded {
  std::uint32_t code_point;
  std::size_t length;  // 0: not valid UTF-8 here
};

// One UTF-8 character at the start of `text`; overlong forms, surrogates and
// values past U+10FFFF are invalid.
Decoded decode(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2, cp = lead & 0x1FU, min = 0x80;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3, cp = lead & 0x0FU, min = 0x800;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4, cp = lead & 0x07U, min = 0x10000;
  } else {
    return {lead, 0};
  }
  if (text.size() < length) return {lead, 0};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0U) != 0x80U) return {lead, 0};
    cp = (cp << 6U) | (byte(i) & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {lead, 0};
  return {cp, length};
}

bool invisible(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD ||  // controls, soft hyphen
         (cp >= 0x200B && cp <= 0x200F) ||                          // zero-width, LRM/RLM
         (cp >= 0x2028 && cp <= 0x202E) ||                          // separators, embeddings, overrides
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) ||  // joiners, isolates
         cp == 0xFEFF;                                                        // byte-order mark
}

std::string hex(std::uint32_t value, int digits) {
  std::array<char, 16> out{};
  std::snprintf(out.data(), out.size(), "%0*X", digits, static_cast<unsigned>(value));
  return out.data();
}

}  // namespace

std::optional<Unprintable> find_unprintable(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const Decoded c = decode(text.substr(i));
    if (c.length == 0) return Unprintable{i, c.code_point, true};
    if (invisible(c.code_point)) return Unprintable{i, c.code_point, false};
    i += c.length;
  }
  return std::nullopt;
}

std::string escape_unprintable(std::string_view text) {
  if (!find_unprintable(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const Decoded c = decode(text.substr(i));
    if (c.length == 0 || (c.code_point < 0x80 && invisible(c.code_point))) {
      switch (c.code_point) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: out += "\\x" + hex(c.code_point, 2); break;
      }
      i += 1;
      continue;
    }
    if (invisible(c.code_point)) {
      out += "\\u{" + hex(c.code_point, 4) + "}";
    } else {
      out.append(text.substr(i, c.length));
    }
    i += c.length;
  }
  return out;
}

std::string describe_unprintable(const Unprintable& character) {
  if (character.invalid) return "byte 0x" + hex(character.code_point, 2) + " (not UTF-8)";
  return "U+" + hex(character.code_point, 4);
}

}  // namespace servesim::detail
