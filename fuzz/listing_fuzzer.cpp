// listing_fuzzer: replies to STAT, LIST, LIST n, UIDL and UIDL n.
//
// Input: byte 0 chooses the command, byte 1 the message number n (1-8), byte 2 whether a
// STAT "+OK k 0" comes first (k = byte 2 % 16 when bit 4 is set, so numbers above k are
// out of range), bytes 3-6 the piece sizes, the rest the server's reply, then EOF.
// Oracles (checked by the fuzzer on every item, independently of the parser): message
// numbers in 1..limit and never repeated in one listing; LIST n / UIDL n answer for n; a uid
// is 1-70 octets of 0x21-0x7E; STAT's count is within max_messages.
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>

#include "pop3/engine.hpp"
#include "support/engine_driver.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

bool valid_uid(std::string_view uid, std::size_t max) {
  if (uid.empty() || uid.size() > max) return false;
  for (const char c : uid)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const auto which = in.byte() % 5;
  const std::uint32_t n = 1 + in.byte() % 8;
  const auto stat_first = in.byte();
  fuzz::piece_sizes sizes(in);
  const auto reply = in.rest();

  const auto config = fuzz::small_engine_config();
  auto eng = engine::create(config).value();
  fuzz::engine_driver driver(eng);
  fuzz::log_in(driver, eng);
  std::uint32_t limit = config.max_messages;
  if (stat_first & 0x10) {
    limit = stat_first % 16;
    const std::string stat = "+OK " + std::to_string(limit) + " 0\r\n";
    fuzz::piece_sizes whole(in);
    if (!driver.submit(cmd::stat()) || !driver.feed(stat, whole, [](const event&) {}))
      __builtin_trap();
  }
  command c = cmd::stat();
  switch (which) {
    case 1:
      c = cmd::list();
      break;
    case 2:
      c = cmd::list(n);
      break;
    case 3:
      c = cmd::uidl();
      break;
    case 4:
      c = cmd::uidl(n);
      break;
  }
  const bool single = which == 2 || which == 4;
  if (!driver.submit(c)) {
    if (single && n <= limit) __builtin_trap();  // only a number above the maildrop is refused
    return 0;
  }

  std::bitset<64> seen;  // max_messages of small_engine_config()
  const auto number = [&](std::uint32_t message) {
    if (message == 0 || message > limit) __builtin_trap();
    if (single ? message != n : seen.test(message - 1)) __builtin_trap();
    seen.set(message - 1);
  };
  const auto check = [&](const event& ev) {
    if (const auto* s = std::get_if<events::stat_info>(&ev)) {
      if (s->count > config.max_messages) __builtin_trap();
    } else if (const auto* l = std::get_if<events::list_item>(&ev)) {
      number(l->message);
    } else if (const auto* u = std::get_if<events::uidl_item>(&ev)) {
      number(u->message);
      if (!valid_uid(u->uid, config.max_uid_length)) __builtin_trap();
    }
  };
  if (driver.feed(reply, sizes, check)) driver.eof(check);
  return 0;
}
