// apop_fuzzer: the APOP timestamp of the greeting (RFC 1939 §7; CVE-2007-1558).
//
// Input: byte 0 (bit 0: prefix "+OK "), bytes 1-4 the piece sizes, the rest the greeting
// (a CRLF is appended if it has none), then "+OK\r\n" for APOP if it was sent, then EOF.
// Oracles: a differential one between pop3::find_apop_timestamp and this file's own reading
// of the grammar documented in apop.hpp — the first "<" up to the next ">", valid only as
//   "<" id-left "@" id-right ">", all octets 0x21-0x7E,
//   id-left  = dot-atom-text / quoted-string (DQUOTE *(qtext / "\" VCHAR) DQUOTE)
//   id-right = dot-atom-text / no-fold-literal ("[" *dtext "]", dtext = VCHAR but [ ] \)
// and: the greeting event, engine::apop_timestamp() and that function agree; APOP is
// accepted exactly when there is a timestamp (else errc::apop_unavailable).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pop3/apop.hpp"
#include "pop3/engine.hpp"
#include "support/engine_driver.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

bool vchar(char c) {
  return c >= 0x21 && c <= 0x7e;
}

bool atext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool dot_atom_text(std::string_view s) {
  bool need_atext = true;  // at the start and after each "."
  for (const char c : s) {
    if (c == '.' && !need_atext)
      need_atext = true;
    else if (atext(c))
      need_atext = false;
    else
      return false;
  }
  return !need_atext;
}

bool quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  s = s.substr(1, s.size() - 2);
  while (!s.empty()) {
    if (s.front() == '"') return false;
    if (s.front() == '\\') {
      if (s.size() < 2 || !vchar(s[1])) return false;
      s.remove_prefix(2);
    } else {
      if (!vchar(s.front())) return false;
      s.remove_prefix(1);
    }
  }
  return true;
}

bool no_fold_literal(std::string_view s) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  for (const char c : s.substr(1, s.size() - 2))
    if (!vchar(c) || c == '[' || c == ']' || c == '\\') return false;
  return true;
}

// True if `id` is a valid msg-id: some "@" splits it into a valid id-left and id-right
// (a quoted id-left may itself contain "@", so every split is tried).
bool msg_id(std::string_view id) {
  if (id.size() < 2 || id.front() != '<' || id.back() != '>') return false;
  for (const char c : id)
    if (!vchar(c)) return false;
  const auto inner = id.substr(1, id.size() - 2);
  for (std::size_t at = inner.find('@'); at != std::string_view::npos;
       at = inner.find('@', at + 1)) {
    const auto left = inner.substr(0, at), right = inner.substr(at + 1);
    if ((dot_atom_text(left) || quoted_string(left)) &&
        (dot_atom_text(right) || no_fold_literal(right)))
      return true;
  }
  return false;
}

std::string_view reference_timestamp(std::string_view text) {
  const auto open = text.find('<');
  if (open == std::string_view::npos) return {};
  const auto close = text.find('>', open);
  if (close == std::string_view::npos) return {};
  const auto candidate = text.substr(open, close - open + 1);
  return msg_id(candidate) ? candidate : std::string_view{};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const auto mode = in.byte();
  fuzz::piece_sizes sizes(in);
  const auto text = in.rest();

  // The functions alone, on any text.
  const auto found = find_apop_timestamp(text);
  if (found != reference_timestamp(text)) __builtin_trap();
  if (is_valid_msg_id(text) != msg_id(text)) __builtin_trap();
  if (!found.empty() && found.data() != text.data() + text.find('<')) __builtin_trap();

  // The same through the engine's greeting.
  std::string greeting = mode & 1 ? "+OK " : "";
  greeting += text;
  if (!greeting.ends_with("\r\n")) greeting += "\r\n";
  auto eng = engine::create(fuzz::small_engine_config()).value();
  fuzz::engine_driver driver(eng);
  bool greeted = false;
  const auto check = [&](const event& ev) {
    const auto* g = std::get_if<events::greeting>(&ev);
    if (!g || greeted) return;
    greeted = true;
    const auto expected = find_apop_timestamp(g->text);
    if (g->apop_timestamp != expected || eng.apop_timestamp() != expected) __builtin_trap();
    // Bytes after the greeting line make any submit() fail (documented, unexpected_data).
    const auto apop = driver.submit(cmd::apop("u", "p"));
    if (!apop && apop.error() == errc::unexpected_data) return;
    if (expected.empty() ? apop || apop.error() != errc::apop_unavailable : !apop) __builtin_trap();
  };
  if (driver.feed(greeting, sizes, check) && greeted) {
    fuzz::piece_sizes whole(in);
    if (driver.feed("+OK\r\n", whole, check)) driver.eof(check);
  }
  return 0;
}
