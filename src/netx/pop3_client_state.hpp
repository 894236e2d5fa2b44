// What an NX_POP3_CLIENT needs beyond its C fields: where to reconnect, the session, the
// download in progress; and the steps every service shares.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nxd_pop3_client.h"
#include "packetizer.hpp"
#include "pop3/session.hpp"

namespace pop3::netx {

struct client_state {
  std::string host;  // an IPv4 or IPv6 literal
  std::uint16_t port = 0;
  bool ipv6 = false;
  std::optional<session> connection;  // empty before login, after QUIT or a lost connection
  packetizer download;
};

/// NX_POP3_CLIENT::nx_pop3_client_host_id while a client is created.
inline constexpr ULONG client_id = 0x504F5033UL;  // "POP3"

/// The client's state, or nullptr if it is not created (zeroed, deleted, never created).
client_state* state_of(NX_POP3_CLIENT* client);

/// The NetX status for a library error; drops the connection if the error ended it.
UINT status_for(client_state& state, const error& e);

/// Allocates (and releases again) the packet a command of `command_length` octets would be
/// sent in, as the original does: NX_NO_PACKET if none comes within
/// NX_POP3_CLIENT_PACKET_TIMEOUT, NX_POP3_INSUFFICIENT_PACKET_PAYLOAD if the TCP/IP header
/// room plus the command do not fit.
UINT check_command_packet(NX_POP3_CLIENT* client, const client_state& state,
                          std::size_t command_length);

/// Connects, reads the greeting and logs in (APOP with fallback, or USER/PASS).
UINT connect_and_login(NX_POP3_CLIENT* client, client_state& state);

/// The connection for a service other than STAT: NX_NOT_CONNECTED without one. A download
/// still in progress is dropped first.
UINT ready_connection(NX_POP3_CLIENT* client, client_state*& state);

/// Decimal digits of n (for command lengths).
std::size_t digits(std::uint32_t n);

}  // namespace pop3::netx
