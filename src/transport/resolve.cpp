#include "resolve.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "transport_error.hpp"

namespace pop3::detail {

namespace {

int to_ai_family(address_family family) noexcept {
  switch (family) {
    case address_family::ipv4:
      return AF_INET;
    case address_family::ipv6:
      return AF_INET6;
    case address_family::any:
      break;
  }
  return AF_UNSPEC;
}

}  // namespace

result<address_list> resolve(std::string_view host, std::uint16_t port, address_family family) {
  // getaddrinfo takes a C string: a NUL inside `host` would silently resolve a shorter name
  // ("mail.example.com\0.evil" -> "mail.example.com"), so such a name is refused outright.
  if (host.empty() || host.find('\0') != std::string_view::npos)
    return transport_failure(errc::host_not_found);

  addrinfo hints{};
  hints.ai_family = to_ai_family(family);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  // No AI_ADDRCONFIG: glibc ignores loopback addresses when deciding whether IPv6 is
  // configured, so it would make "::1" unresolvable on a host whose only IPv6 address is ::1.
  // An IPv6 address that cannot be reached just fails fast (ENETUNREACH) and the next is tried.
  hints.ai_flags = AI_NUMERICSERV;

  const std::string node(host);
  const std::string service = std::to_string(port);
  addrinfo* list = nullptr;
  const int status = ::getaddrinfo(node.c_str(), service.c_str(), &hints, &list);
  if (status != 0) return transport_failure(errc::host_not_found, status == EAI_SYSTEM ? errno : 0);
  if (list == nullptr) return transport_failure(errc::host_not_found);
  return address_list(list);
}

}  // namespace pop3::detail
