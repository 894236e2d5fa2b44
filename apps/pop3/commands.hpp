// The CLI's commands. Each returns the process exit code and prints its own output and
// errors (one line on stderr per failure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "password.hpp"

namespace pop3::cli {

/// Options every command takes.
struct common_options {
  std::string url;
  std::optional<std::string> user;  ///< --user, overrides the URL's user
  password_source password;
  std::string auth = "auto";           ///< --auth, see pop3::parse_auth_mechanism
  bool xoauth2_one_step = false;       ///< --xoauth2-one-step
  std::optional<std::string> tls;      ///< --tls implicit|starttls|none (else from the URL)
  std::optional<std::string> ca_file;  ///< --cafile
  std::vector<std::string> pins;       ///< --pin sha256:...
  bool insecure = false;               ///< --insecure
  std::optional<std::string> client_certificate;  ///< --cert
  std::optional<std::string> client_key;          ///< --key
  double timeout_seconds = 60;
  bool verbose = false;
  bool json = false;
};

/// Where retr and top write the message.
struct message_output {
  std::optional<std::string> file;  ///< -o FILE; standard output if empty
  bool lf = false;                  ///< --lf: LF line ends instead of CRLF
};

int run_capa(const common_options& options);
int run_serverinfo(const common_options& options);
int run_stat(const common_options& options);
int run_list(const common_options& options, std::optional<std::uint32_t> message);
int run_uidl(const common_options& options, std::optional<std::uint32_t> message);
int run_top(const common_options& options, std::uint32_t message, std::uint32_t lines,
            const message_output& output);
int run_retr(const common_options& options, std::uint32_t message, const message_output& output);
int run_dele(const common_options& options, const std::vector<std::uint32_t>& messages);

}  // namespace pop3::cli
