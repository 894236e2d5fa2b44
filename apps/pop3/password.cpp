#include "password.hpp"

#include <cstdlib>

#include "fetch/secret.hpp"

namespace pop3::cli {

result<std::string> read_password(const password_source& source, std::string& why) {
  if (source.file && source.command) {
    why = "give either --password-file or --password-command, not both";
    return unexpected(errc::invalid_argument);
  }
  agent::password_setting setting;
  // "--password-file=~/x" reaches us unexpanded (the shell expands ~ only at a word's start).
  if (source.file) setting.file = agent::expand_home(*source.file);
  setting.command = source.command;
  auto secret = agent::read_secret(setting, why);
  if (!secret && secret.error().code == errc::invalid_argument)
    why = std::getenv("POP3_PASSWORD") != nullptr
              ? "no password: POP3_PASSWORD is empty; set it, or use --password-file or "
                "--password-command"
              : "no password: set POP3_PASSWORD, or use --password-file or --password-command";
  return secret;
}

}  // namespace pop3::cli
