// Tests for core/printable.hpp: what counts as unprintable, and its escapes.

#include <catch2/catch.hpp>

#include <string>

#include "core/printable.hpp"

using namespace std::string_literals;
using servesim::detail::describe_unprintable;
using servesim::detail::escape_unprintable;
using servesim::detail::find_unprintable;

TEST_CASE("control, invisible and invalid characters are found and escaped", "[core][printable]") {
  CHECK_FALSE(find_unprintable("web-1 café 東京").has_value());
  const struct {
    std::string text;
    std::size_t offset;
    std::uint32_t code_point;
    std::string escaped;
  } cases[] = {
      {"web\x1b[31m", 3, 0x1B, "web\\x1B[31m"},       // an ANSI colour
      {"we\0b"s, 2, 0x00, "we\\x00b"},                  // NUL
      {"a\nb\tc", 1, 0x0A, "a\\nb\\tc"},
      {"web\u200b", 3, 0x200B, "web\\u{200B}"},         // zero-width space
      {"\u202eevil", 0, 0x202E, "\\u{202E}evil"},       // right-to-left override
      {"bom\ufeff", 3, 0xFEFF, "bom\\u{FEFF}"},
      {"x\u0085y", 1, 0x85, "x\\u{0085}y"},             // C1 next line
      {"del\x7f", 3, 0x7F, "del\\x7F"},
  };
  for (const auto& c : cases) {
    INFO(c.escaped);
    const auto found = find_unprintable(c.text);
    REQUIRE(found.has_value());
    CHECK(found->offset == c.offset);
    CHECK(found->code_point == c.code_point);
    CHECK_FALSE(found->invalid);
    CHECK(escape_unprintable(c.text) == c.escaped);
  }
  // Bytes that are not UTF-8 (Latin-1, a lone continuation byte, an overlong form).
  for (const std::string& bad : {"caf\xe9"s, "\x80"s, "\xc0\xaf"s}) {
    const auto found = find_unprintable(bad);
    REQUIRE(found.has_value());
    CHECK(found->invalid);
  }
  CHECK(escape_unprintable("caf\xe9") == "caf\\xE9");
  CHECK(describe_unprintable({3, 0x1B, false}) == "U+001B");
  CHECK(describe_unprintable({3, 0xE9, true}) == "byte 0xE9 (not UTF-8)");
}
