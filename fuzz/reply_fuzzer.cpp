// reply_fuzzer: the status-line parser and every kind of reply, after each kind of command.
//
// Input: byte 0 chooses the scenario (what was submitted before the server speaks), byte 1
// a message number, bytes 2-5 the piece sizes, the rest is what the server sends, then EOF.
// Oracles (besides ASan/UBSan and the driver's checks): no heap allocation after
// engine::create(); a fatal error is sticky.
#include <cstddef>
#include <cstdint>

#include "pop3/engine.hpp"
#include "support/allocation_counter.hpp"
#include "support/engine_driver.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;
using pop3::fuzz::engine_driver;

enum class scenario : std::uint8_t {
  greeting,  // the input is the greeting itself
  user_pass,
  stat,
  list_all,
  list_one,
  uidl_all,
  uidl_one,
  retr,
  top,
  capa,
  stls,
  auth,  // AUTH with continuations: every challenge is answered
  pipelined,
  lang,
  quit,
  count
};

// Whether the scenario starts in TRANSACTION rather than right after the greeting.
bool needs_login(scenario s) {
  switch (s) {
    case scenario::greeting:
    case scenario::user_pass:
    case scenario::capa:
    case scenario::stls:
    case scenario::auth:
    case scenario::lang:
      return false;
    default:
      return true;
  }
}

void submit_commands(engine_driver& d, scenario s, std::uint32_t n) {
  // Refusals are fine here (e.g. RETR n above a maildrop STAT made smaller): the engine
  // must then just not expect a reply.
  switch (s) {
    case scenario::greeting:
    case scenario::count:
      break;
    case scenario::user_pass:
      (void)d.submit(cmd::user("u"));
      (void)d.submit(cmd::pass("p"));
      break;
    case scenario::stat:
      (void)d.submit(cmd::stat());
      break;
    case scenario::list_all:
      (void)d.submit(cmd::list());
      break;
    case scenario::list_one:
      (void)d.submit(cmd::list(n));
      break;
    case scenario::uidl_all:
      (void)d.submit(cmd::uidl());
      break;
    case scenario::uidl_one:
      (void)d.submit(cmd::uidl(n));
      break;
    case scenario::retr:
      (void)d.submit(cmd::retr(n, n % 2 ? body_format::wire : body_format::decoded));
      break;
    case scenario::top:
      (void)d.submit(cmd::top(n, n / 2));
      break;
    case scenario::capa:
      (void)d.submit(cmd::capa());
      break;
    case scenario::stls:
      (void)d.submit(cmd::stls());
      break;
    case scenario::auth:
      (void)d.submit(n % 2 ? cmd::auth("PLAIN", "AGEAYg==") : cmd::auth("LOGIN"));
      break;
    case scenario::pipelined:
      (void)d.submit(cmd::stat());
      (void)d.submit(cmd::list());
      (void)d.submit(cmd::uidl());
      (void)d.submit(cmd::retr(1));
      (void)d.submit(cmd::top(n, 0));
      (void)d.submit(cmd::dele(1));
      (void)d.submit(cmd::noop());
      (void)d.submit(cmd::rset());
      (void)d.submit(cmd::list(n));
      (void)d.submit(cmd::quit());
      break;
    case scenario::lang:
      (void)d.submit(cmd::lang());
      break;
    case scenario::quit:
      (void)d.submit(cmd::quit());
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const auto chosen = static_cast<scenario>(in.byte() % static_cast<int>(scenario::count));
  const std::uint32_t message = 1 + in.byte() % 8;
  fuzz::piece_sizes sizes(in);
  const auto server_bytes = in.rest();

  auto created = engine::create(fuzz::small_engine_config());
  if (!created) __builtin_trap();
  engine& eng = *created;
  {
    const fuzz::allocation_counter allocations;
    engine_driver driver(eng);
    if (needs_login(chosen)) fuzz::log_in(driver, eng);
    submit_commands(driver, chosen, message);

    // The driver's reactions a real client would have: answer challenges (alternating a
    // response and, every third, a cancel), finish the TLS handshake, ask CAPA again.
    unsigned challenges = 0;
    const auto react = [&](const event& ev) {
      if (std::holds_alternative<events::sasl_challenge>(ev))
        (void)driver.submit(++challenges % 3 == 0 ? cmd::sasl_cancel()
                                                  : cmd::sasl_response("dGVzdA=="));
      if (std::holds_alternative<events::start_tls>(ev)) {
        if (!eng.tls_established()) __builtin_trap();
        (void)driver.submit(cmd::capa());
      }
    };
    if (driver.feed(server_bytes, sizes, react)) driver.eof(react);
    if (allocations.allocations() != 0) __builtin_trap();
  }
  return 0;
}
