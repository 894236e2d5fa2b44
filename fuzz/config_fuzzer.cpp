// config_fuzzer: the TOML configuration of `pop3 fetch` (pop3::agent::parse_config, with
// toml++ underneath, both instrumented).
//
// Input: byte 0 chooses the file's mode (0600 or 0644: the `password` rule), the rest is the
// file's text. Oracles: no crash; on success there is at least one account, and every
// account has exactly one delivery (a target), a host, and a port other than 0; on failure
// the message is one line starting with the file name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pop3::fuzz::input_reader in(data, size);
  const unsigned mode = in.byte() & 1 ? 0644 : 0600;
  const std::string name = "/fuzz/config.toml";
  std::string why;
  const auto config = pop3::agent::parse_config(in.rest(), name, mode, why);
  if (config) {
    if (config->accounts.empty()) __builtin_trap();
    for (const auto& account : config->accounts)
      if (account.delivery_target.empty() || account.host.empty() || account.port == 0)
        __builtin_trap();
  } else {
    if (!why.starts_with(name + ":") || why.find_first_of("\r\n") != std::string::npos)
      __builtin_trap();
  }
  return 0;
}
