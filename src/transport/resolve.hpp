// Name resolution for tcp_connect().
#pragma once

#include <netdb.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "pop3/result.hpp"
#include "pop3/tcp_transport.hpp"

namespace pop3::detail {

struct addrinfo_deleter {
  void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};

/// getaddrinfo's list; never empty when returned by resolve().
using address_list = std::unique_ptr<addrinfo, addrinfo_deleter>;

/// The TCP addresses of `host`:`port` of the requested family, in getaddrinfo's order.
/// Errors: errc::host_not_found (system_error is errno for EAI_SYSTEM, otherwise 0).
result<address_list> resolve(std::string_view host, std::uint16_t port, address_family family);

}  // namespace pop3::detail
