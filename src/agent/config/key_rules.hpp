// The keys of [defaults] and [accounts.NAME]: for each, how its value is checked and where
// it goes in an account_config. The table of rules is the one list of valid keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "pop3/result.hpp"

namespace pop3::agent::detail {

/// Keys that an account inherits from [defaults] only as a whole: if an account sets any
/// key of a group, it inherits none of that group.
enum class key_group : std::uint8_t { none, delivery, password_source, client_certificate };

/// What every key of one file shares.
struct config_context {
  std::string file;   ///< FILE in messages; relative paths are resolved against its directory
  unsigned mode = 0;  ///< the file's permission bits
};

struct key_rule;

/// One `key = value` of a table, with where it was written. Points into the parsed
/// document, which must outlive it.
struct config_entry {
  const key_rule* rule = nullptr;
  const toml::node* value = nullptr;
  toml::source_position key_at;
  std::string path;  ///< "accounts.work.port"
};

struct key_rule {
  std::string_view name;
  key_group group;
  /// Checks the entry's value and stores it in `account`.
  /// Errors: errc::invalid_argument, with the one-line message in `why`.
  result<void> (*apply)(const config_entry& entry, const config_context& context,
                        account_config& account, std::string& why);
};

/// The rule of the key `name`, or nullptr if there is no such key.
const key_rule* find_key_rule(std::string_view name);

/// The message of a key that no rule knows, by what its value is.
std::string_view unknown_key_message(const toml::node& value);

}  // namespace pop3::agent::detail
