// pop3-sample-mail: writes the deterministic sample mail set into a Maildir (for the README demo
// and manual runs against a private Dovecot) and prints "id size" per message.
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "support/sample_mail.hpp"

namespace {

constexpr std::string_view usage =
    "usage: pop3-sample-mail --maildir DIR [--count N] [--seed S] [--big-mib M] "
    "[--owner UID:GID]\n"
    "  Writes N (default 36) sample messages into the Maildir DIR (new/) and prints\n"
    "  one line per message: its X-Sample-Id and its stored size in octets.\n"
    "  --big-mib M  size of the one big message in MiB (default 5, 0 = none)\n"
    "  --owner      chown the files (needed as root: Dovecot refuses mail owned by root)\n";

template <typename T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "pop3-sample-mail: " << message << "\n" << usage;
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  pop3::test::sample_options options;
  std::string maildir;
  std::optional<std::pair<unsigned, unsigned>> owner;

  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 >= argc) usage_error("missing value for " + std::string(flag));
    const std::string_view value = argv[++i];
    if (flag == "--maildir") {
      maildir = value;
    } else if (flag == "--count") {
      if (!parse_number(value, options.count)) usage_error("invalid --count");
    } else if (flag == "--seed") {
      if (!parse_number(value, options.seed)) usage_error("invalid --seed");
    } else if (flag == "--big-mib") {
      std::size_t mib = 0;
      if (!parse_number(value, mib) || mib > 1024) usage_error("invalid --big-mib (0-1024)");
      options.big_message_bytes = mib << 20;
    } else if (flag == "--owner") {
      const std::size_t colon = value.find(':');
      std::pair<unsigned, unsigned> ids;
      if (colon == std::string_view::npos || !parse_number(value.substr(0, colon), ids.first) ||
          !parse_number(value.substr(colon + 1), ids.second)) {
        usage_error("--owner expects UID:GID");
      }
      owner = ids;
    } else {
      usage_error("unknown option " + std::string(flag));
    }
  }
  if (maildir.empty()) usage_error("--maildir is required");

  try {
    const auto messages = pop3::test::generate_sample_mail(options);
    pop3::test::write_maildir(maildir, messages, owner);
    for (const auto& m : messages)
      std::cout << m.id << ' ' << m.stored.size() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "pop3-sample-mail: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
