// capa_fuzzer: CAPA listings (RFC 2449 §5-6) and what the engine learns from them.
//
// Input: byte 0 (bit 0: prefix the data with "+OK\r\n"; bit 1: ask CAPA again after it
// ended), bytes 1-4 the piece sizes, the rest the server's reply, then EOF.
// Oracles: the driver's; and a differential one: the engine's server_capabilities() after a
// listing equals a fresh pop3::capabilities fed the same capa_item events (so the engine
// neither drops nor invents a line), and it is known() exactly when the listing completed;
// a -ERR to a second CAPA leaves the first listing's capabilities in place.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pop3/capabilities.hpp"
#include "pop3/engine.hpp"
#include "support/engine_driver.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

bool same(const capabilities& a, const capabilities& b) {
  return a.known() == b.known() && a.top == b.top && a.uidl == b.uidl && a.user == b.user &&
         a.pipelining == b.pipelining && a.resp_codes == b.resp_codes &&
         a.auth_resp_code == b.auth_resp_code && a.stls == b.stls && a.utf8 == b.utf8 &&
         a.utf8_user == b.utf8_user && a.lang == b.lang && a.expire_days == b.expire_days &&
         a.never_expires == b.never_expires && a.login_delay_seconds == b.login_delay_seconds &&
         a.sasl_mechanisms() == b.sasl_mechanisms() && a.implementation() == b.implementation();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const auto mode = in.byte();
  fuzz::piece_sizes sizes(in);
  std::string reply = mode & 1 ? "+OK\r\n" : "";
  reply += in.rest();

  auto eng = engine::create(fuzz::small_engine_config()).value();
  fuzz::engine_driver driver(eng);
  fuzz::piece_sizes whole(in);  // the input is used up: all zeros, "all at once"
  if (!driver.feed("+OK ready\r\n", whole, [](const event&) {})) __builtin_trap();
  if (!driver.submit(cmd::capa())) __builtin_trap();

  capabilities expected;
  bool asked_again = false;
  const auto check = [&](const event& ev) {
    // A new listing replaces the capabilities from its +OK on; a -ERR keeps the last ones.
    if (const auto* ok = std::get_if<events::ok>(&ev); ok && ok->command == command_kind::capa) {
      expected.clear();
    } else if (const auto* item = std::get_if<events::capa_item>(&ev)) {
      (void)expected.apply(item->name, item->arguments);
      if (eng.server_capabilities().known()) __builtin_trap();  // not before the end
    } else if (std::holds_alternative<events::listing_end>(ev)) {
      expected.mark_known();
      if (!same(eng.server_capabilities(), expected)) __builtin_trap();
      if (mode & 2 && !asked_again) {
        asked_again = true;
        (void)driver.submit(cmd::capa());
      }
    } else if (std::holds_alternative<events::err>(ev)) {
      if (!same(eng.server_capabilities(), expected)) __builtin_trap();
    }
  };
  if (driver.feed(reply, sizes, check)) driver.eof(check);
  return 0;
}
