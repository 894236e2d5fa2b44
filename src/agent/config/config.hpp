// The configuration of `pop3 fetch`: accounts in a TOML file (format in docs/pop3-config.5,
// the README and `pop3 fetch --help`), or one account from the command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pop3/auth.hpp"
#include "pop3/connect.hpp"
#include "pop3/result.hpp"
#include "pop3/session.hpp"
#include "delivery/delivery.hpp"

namespace pop3::agent {

/// Where the password (or OAuth token) comes from. At most one of the first three is set;
/// with none, the environment variable `environment` is read.
struct password_setting {
  std::optional<std::string> command;  ///< password_command: first line of its output
  std::optional<std::filesystem::path> file;  ///< password_file: its first line
  std::optional<std::string> value;  ///< password: only accepted in a file mode 0600 or stricter
  std::string environment = "POP3_PASSWORD";  ///< password_env
};

enum class delivery_kind : std::uint8_t { maildir, mbox, mda };
enum class oversize_action : std::uint8_t { skip, remove, warn };  ///< max_size_action

/// One account, with the [defaults] applied and every value checked.
struct account_config {
  std::string name;  ///< the table's name: [accounts.NAME]
  std::string host;
  std::uint16_t port = 0;  ///< never 0 after loading: default_port(tls) if not given
  tls_mode tls = tls_mode::implicit;
  std::string user;
  auth_mechanism auth = auth_mechanism::automatic;
  bool xoauth2_one_step = false;
  password_setting password;
  // TLS settings (as the CLI's --cafile, --pin, --insecure, --cert, --key)
  std::optional<std::filesystem::path> ca_file;
  std::vector<certificate_pin> pins;
  bool insecure = false;
  std::optional<std::filesystem::path> client_certificate, client_key;
  // delivery: exactly one of maildir / mbox / mda; "~/" expanded in paths
  delivery_kind delivery = delivery_kind::maildir;
  std::string delivery_target;  ///< the directory, file, or command
  line_ending ends = line_ending::lf;
  // policy
  bool keep = false;
  std::optional<std::uint32_t> keep_days;
  bool only_new = true;
  std::optional<std::uint64_t> max_size;  ///< octets
  oversize_action max_size_action = oversize_action::skip;
  // connection
  pipelining_mode pipelining = pipelining_mode::automatic;
  double timeout_seconds = 60;
  // where this account was defined, for messages: "/home/a/.config/pop3/config.toml:12"
  std::string defined_at;
};

struct fetch_config {
  std::filesystem::path file;  ///< empty when built from the command line
  std::vector<account_config> accounts;  ///< in the order of the file
};

/// $XDG_CONFIG_HOME/pop3/config.toml, or ~/.config/pop3/config.toml.
std::filesystem::path default_config_path();

/// Reads and checks a configuration file. Errors (errc::invalid_argument; `why` is one line
/// "FILE:LINE:COLUMN: KEY: what is wrong", or "FILE: ..." when no line applies): unreadable
/// file, TOML syntax, unknown keys, wrong types or values, a missing host or delivery, two
/// deliveries, a `password` key in a file readable or writable by group or others.
result<fetch_config> load_config(const std::filesystem::path& file, std::string& why);

/// The same for text already in memory; `name` is used as FILE in messages and
/// `mode` is the file's permission bits (for the `password` rule).
result<fetch_config> parse_config(std::string_view text, const std::string& name,
                                  unsigned mode, std::string& why);

/// A size: a number of octets, or a string of digits with an optional suffix K, M or G
/// (powers of 1024), e.g. "25M". Nothing if malformed or above 2^63.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// "~" or "~/..." replaced by $HOME (or the passwd entry's home).
std::filesystem::path expand_home(const std::string& path);

}  // namespace pop3::agent
