// The configuration of `pop3 fetch`: accounts in a TOML file (format in docs/pop3-config.5,
// the README and `pop3 fetch --help`), or one account from the command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/delivery.hpp"
#include "pop3/auth.hpp"
#include "pop3/connect.hpp"
#include "pop3/result.hpp"
#include "pop3/session.hpp"

namespace pop3::agent {

/// Where the password (or OAuth token) comes from. At most one of the first three is set;
/// with none, the environment variable `environment` is read.
struct password_setting {
  std::optional<std::string> command;         ///< password_command: first line of its output
  std::optional<std::filesystem::path> file;  ///< password_file: its first line
  std::optional<std::string> value;  ///< password: only accepted in a file mode 0600 or stricter
  std::string environment = "POP3_PASSWORD";  ///< password_env
};

enum class delivery_kind : std::uint8_t { maildir, mbox, mda };
enum class oversize_action : std::uint8_t { skip, remove, warn };  ///< max_size_action

/// One account, with the [defaults] applied and every value checked. Paths are absolute:
/// "~" expanded and relative paths resolved against the configuration file's directory.
struct account_config {
  /// The table's name: [accounts.NAME]. It names the account's UID state: renaming an
  /// account makes it fetch again what it fetched (and kept) under the old name.
  std::string name;
  std::string host;
  std::uint16_t port = 0;  ///< never 0 after loading: default_port(tls) if not given
  tls_mode tls = tls_mode::implicit;
  std::string user;  ///< empty only with auth_mechanism::external
  auth_mechanism auth = auth_mechanism::automatic;
  bool xoauth2_one_step = false;
  password_setting password;
  // TLS settings (as the CLI's --cafile, --pin, --insecure, --cert, --key)
  std::optional<std::filesystem::path> ca_file;
  std::vector<certificate_pin> pins;
  bool insecure = false;
  /// Both or neither; both are set when auth is external.
  std::optional<std::filesystem::path> client_certificate, client_key;
  // delivery: exactly one of maildir / mbox / mda
  delivery_kind delivery = delivery_kind::maildir;
  std::string delivery_target;  ///< the directory or file (absolute), or the command as written
  line_ending ends = line_ending::lf;
  // policy
  bool keep = false;
  /// With keep = false: messages stay on the server for this many days after they were first
  /// delivered, then are deleted; 0 deletes them right after delivery, as when it is unset.
  /// keep = true never deletes, whatever keep_days says.
  std::optional<std::uint32_t> keep_days;
  bool only_new = true;
  std::optional<std::uint64_t> max_size;                    ///< octets, never 0
  oversize_action max_size_action = oversize_action::skip;  ///< meaningful only with max_size
  // connection
  pipelining_mode pipelining = pipelining_mode::automatic;
  double timeout_seconds = 60;  ///< from 0.001 to 86400
  // where this account was defined, for messages: "/home/a/.config/pop3/config.toml:12",
  // or defined_on_command_line for an account made from a URL and options
  std::string defined_at;
};

/// account_config::defined_at of an account made from a URL and command-line options.
inline constexpr std::string_view defined_on_command_line = "the command line";

struct fetch_config {
  std::filesystem::path file;            ///< empty when built from the command line
  std::vector<account_config> accounts;  ///< in the order of the file, never empty
};

/// $XDG_CONFIG_HOME/pop3/config.toml if XDG_CONFIG_HOME is set and absolute, else
/// expand_home("~/.config/pop3/config.toml").
std::filesystem::path default_config_path();

/// Reads and checks a configuration file (see parse_config()). Errors, with `why` set:
/// errc::io_error (error::system_error: errno) if the file cannot be opened or read, `why`
/// "FILE: cannot read: REASON"; errc::invalid_argument if it is not a regular file
/// ("FILE: not a regular file") and for everything parse_config() refuses.
result<fetch_config> load_config(const std::filesystem::path& file, std::string& why);

/// The same for text already in memory; `name` is used as FILE in messages and relative
/// paths are resolved against its directory (made absolute with the current directory);
/// `mode` is the file's permission bits (for the `password` rule).
/// Errors: errc::invalid_argument, `why` being the first error found, on one line:
///   "FILE:LINE:COLUMN: KEY: what is wrong"  KEY the dotted path ("accounts.work.port",
///                                           names quoted as in TOML when they must be), at
///                                           the offending key or value, or at the account's
///                                           table for what is missing ("accounts.work");
///   "FILE:LINE:COLUMN: TOML syntax: DESCRIPTION"  toml++'s position and description;
///   "FILE: no accounts: ..."                when there is no [accounts.NAME] table at all.
/// What is refused: TOML syntax, unknown keys and tables, wrong types or values, a missing
/// host, user or delivery, two deliveries or two password sources in one table, cert without
/// key, a `password` key in a file whose mode has any bit of 077 set. No message contains
/// the value of a `password` key (syntax errors near one have their quoted text hidden).
result<fetch_config> parse_config(std::string_view text, const std::string& name, unsigned mode,
                                  std::string& why);

/// A size: digits with an optional suffix K, M or G, either case (powers of 1024), e.g.
/// "25M"; "0" is 0. Nothing if malformed (empty, a sign, spaces, a fraction, another suffix
/// such as "MB") or above 2^63 - 1, so that it fits an off_t.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// "~" or "~/..." with "~" replaced by $HOME if it is set and not empty, else by the passwd
/// entry's home directory; any other path (including "~user/...") unchanged, as is "~" when
/// no home directory is known.
std::filesystem::path expand_home(const std::string& path);

}  // namespace pop3::agent
