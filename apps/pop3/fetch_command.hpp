// pop3 fetch: retrieve mail into a Maildir, an mbox or an MDA, from the accounts of a
// configuration file or from one URL, and delete it from the server as the policy says.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"

namespace pop3::cli {

struct fetch_options {
  common_options common;              ///< URL mode: the server and login (as other commands)
  std::vector<std::string> targets;   ///< account names, or one URL
  std::optional<std::string> config;  ///< --config FILE
  std::optional<std::string> state_dir;
  std::size_t jobs = 1;
  bool quiet = false;
  // URL mode only (a configuration file says these per account):
  std::optional<std::string> maildir, mbox, mda;
  bool keep = false;
  bool only_new = false;  ///< --only-new: the default anyway; accepted for clarity
  bool all = false;       ///< --all: also messages delivered before (when kept)
  std::optional<std::uint32_t> keep_days;
  std::optional<std::string> max_size;
  std::optional<std::string> max_size_action;
  std::optional<std::string> pipelining;
  bool crlf = false;  ///< --crlf: store CRLF line ends instead of LF
};

/// Runs the command; returns the exit code (see `pop3 fetch --help`).
int run_fetch(fetch_options& options);

}  // namespace pop3::cli
