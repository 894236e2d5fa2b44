#include "delivery/maildir_name.hpp"

#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <ctime>

namespace pop3::agent::detail {

std::string maildir_host_name(std::string_view host) {
  std::string name;
  name.reserve(host.size());
  for (const char c : host) {
    if (c == '/')
      name += "\\057";
    else if (c == ':')
      name += "\\072";
    else
      name += c;
  }
  return name;
}

std::string standard_maildir_name() {
  static std::atomic<std::uint64_t> counter{0};
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string name = std::to_string(now.tv_sec);
  name += ".M";
  name += std::to_string(now.tv_nsec / 1000);
  name += 'P';
  name += std::to_string(::getpid());
  name += 'Q';
  name += std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
  name += '.';
  name += host[0] != '\0' ? maildir_host_name(host) : std::string("localhost");
  return name;
}

bool is_valid_maildir_name(std::string_view name) noexcept {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

}  // namespace pop3::agent::detail
