// The services without parameter checks (_nx_ / _nxd_); pop3_client_checks.cpp adds them.
#include <arpa/inet.h>

#include <cstring>

#define NX_POP3_CLIENT_SOURCE_CODE  // the real function names, not the mapping macros
#include "nxd_pop3_client.h"
#include "pop3_client_state.hpp"
#include "ticks.hpp"

using namespace pop3;
using namespace pop3::netx;

namespace {

/// An NXD_ADDRESS as text for the resolver; empty if its version is unknown.
std::string address_text(const NXD_ADDRESS& address, bool& ipv6) {
  char text[INET6_ADDRSTRLEN] = {};
  ipv6 = address.nxd_ip_version == NX_IP_VERSION_V6;
  if (address.nxd_ip_version == NX_IP_VERSION_V4) {
    const in_addr a{htonl(static_cast<std::uint32_t>(address.nxd_ip_address.v4))};
    inet_ntop(AF_INET, &a, text, sizeof text);
  } else if (ipv6) {
    in6_addr a{};
    for (int i = 0; i < 4; ++i) {
      const std::uint32_t word = htonl(static_cast<std::uint32_t>(address.nxd_ip_address.v6[i]));
      std::memcpy(a.s6_addr + 4 * i, &word, 4);
    }
    inet_ntop(AF_INET6, &a, text, sizeof text);
  }
  return text;
}

// The name or password if it has at most `max` octets and no CR or LF; nothing otherwise. At
// most max + 1 octets are read, as the original's check does: a full buffer without a NUL is
// refused, not read past its end.
bool acceptable_text(const char* s, std::size_t max) {
  const std::size_t length = strnlen(s, max + 1);
  return length <= max && std::memchr(s, '\r', length) == nullptr &&
         std::memchr(s, '\n', length) == nullptr;
}

/// The number at the start of RETR's +OK text ("120 octets" -> 120), 0 if there is none.
ULONG announced_size(std::string_view text) {
  ULONG size = 0;
  for (std::size_t i = 0; i < text.size() && i < 10 && text[i] >= '0' && text[i] <= '9'; ++i)
    size = size * 10 + static_cast<ULONG>(text[i] - '0');
  return size;
}

UINT start_download(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* item_size,
                    body_format format) {
  client_ptr->nx_pop3_client_ready_to_download = NX_FALSE;
  if (mail_item > client_ptr->nx_pop3_client_maildrop_items) return NX_POP3_INVALID_MAIL_ITEM;
  client_state* state = nullptr;
  if (const UINT st = ready_connection(client_ptr, state)) return st;
  if (const UINT st = check_command_packet(client_ptr, *state, 5 + digits(mail_item) + 2))
    return st;
  if (auto r = state->connection->begin_retr(mail_item, format); !r)
    return status_for(*state, r.error());
  *item_size = announced_size(state->connection->protocol().last_reply().text);  // no copy
  state->download.reset(format);
  client_ptr->nx_pop3_client_ready_to_download = NX_TRUE;
  return NX_SUCCESS;
}

}  // namespace

extern "C" {

UINT _nxd_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                             NX_PACKET_POOL* packet_pool_ptr, NXD_ADDRESS* server_duo_address,
                             ULONG server_port, CHAR* client_name, CHAR* client_password) {
  if (!client_ptr) return NX_POP3_PARAM_ERROR;
  std::memset(client_ptr, 0, sizeof *client_ptr);
  if (!client_name || !client_password || !server_duo_address || !ip_ptr || !packet_pool_ptr ||
      !acceptable_text(client_name, NX_POP3_MAX_USERNAME) ||
      !acceptable_text(client_password, NX_POP3_MAX_PASSWORD) || server_port == 0 ||
      server_port > 65535)
    return NX_POP3_PARAM_ERROR;
  bool ipv6 = false;
  std::string host = address_text(*server_duo_address, ipv6);
  if (host.empty()) return NX_POP3_PARAM_ERROR;
  if (!ip_ptr->nx_ip_tcp_enabled) return NX_NOT_ENABLED;

  std::strcpy(client_ptr->nx_pop3_client_name, client_name);
  std::strcpy(client_ptr->nx_pop3_client_password, client_password);
  client_ptr->nx_pop3_client_enable_APOP_authentication = APOP_authentication ? NX_TRUE : NX_FALSE;
  client_ptr->nx_pop3_client_packet_pool_ptr = packet_pool_ptr;
  auto* state = new client_state;
  state->host = std::move(host);
  state->port = static_cast<std::uint16_t>(server_port);
  state->ipv6 = ipv6;
  client_ptr->nx_pop3_client_host_state = state;
  client_ptr->nx_pop3_client_host_id = client_id;
  return connect_and_login(client_ptr, *state);  // Fixed: closes the connection on failure
}

UINT _nx_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                            NX_PACKET_POOL* packet_pool_ptr, ULONG server_ip_address,
                            ULONG server_port, CHAR* client_name, CHAR* client_password) {
  NXD_ADDRESS address{};
  address.nxd_ip_version = NX_IP_VERSION_V4;
  address.nxd_ip_address.v4 = server_ip_address;
  return _nxd_pop3_client_create(client_ptr, APOP_authentication, ip_ptr, packet_pool_ptr, &address,
                                 server_port, client_name, client_password);
}

UINT _nx_pop3_client_mail_items_get(NX_POP3_CLIENT* client_ptr, UINT* number_mail_items,
                                    ULONG* maildrop_total_size) {
  // 0 unless this STAT succeeds, whatever fails first (never the last STAT's values).
  *number_mail_items = 0;
  *maildrop_total_size = 0;
  client_state* state = state_of(client_ptr);
  if (!state) return NX_NOT_CONNECTED;
  if (!state->connection) {  // after QUIT or a lost connection: log in again
    if (const UINT st = connect_and_login(client_ptr, *state)) return st;
  }
  UINT status = ready_connection(client_ptr, state);
  if (status == NX_SUCCESS) status = check_command_packet(client_ptr, *state, 6);
  if (status == NX_SUCCESS) {
    client_ptr->nx_pop3_client_maildrop_items = 0;
    client_ptr->nx_pop3_client_total_message_size = 0;
    if (auto st = state->connection->stat(); st) {
      client_ptr->nx_pop3_client_maildrop_items = st->count;
      client_ptr->nx_pop3_client_total_message_size = static_cast<ULONG>(st->octets);
    } else {
      status = status_for(*state, st.error());
    }
  }
  if (status == NX_SUCCESS) {
    *number_mail_items = client_ptr->nx_pop3_client_maildrop_items;
    *maildrop_total_size = client_ptr->nx_pop3_client_total_message_size;
  }
  return status;
}

UINT _nx_pop3_client_mail_item_size_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* size) {
  *size = 0;
  if (mail_item > client_ptr->nx_pop3_client_maildrop_items) return NX_POP3_INVALID_MAIL_ITEM;
  client_state* state = nullptr;
  if (const UINT st = ready_connection(client_ptr, state)) return st;
  if (const UINT st = check_command_packet(client_ptr, *state, 5 + digits(mail_item) + 2))
    return st;
  auto entry = state->connection->list(mail_item);
  if (!entry) return status_for(*state, entry.error());
  *size = static_cast<ULONG>(entry->octets);
  return NX_SUCCESS;
}

UINT _nx_pop3_client_mail_item_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* item_size) {
  return start_download(client_ptr, mail_item, item_size, body_format::wire);
}

UINT _nx_pop3_client_mail_item_decoded_get(NX_POP3_CLIENT* client_ptr, UINT mail_item,
                                           ULONG* item_size) {
  return start_download(client_ptr, mail_item, item_size, body_format::decoded);
}

UINT _nx_pop3_client_mail_item_message_get(NX_POP3_CLIENT* client_ptr, NX_PACKET** recv_packet_ptr,
                                           ULONG* bytes_retrieved, UINT* final_packet) {
  *recv_packet_ptr = NX_NULL;
  *final_packet = NX_FALSE;
  *bytes_retrieved = 0;
  client_state* state = state_of(client_ptr);
  if (!client_ptr->nx_pop3_client_ready_to_download || !state || !state->connection)
    return NX_POP3_CLIENT_INVALID_STATE;
  NX_PACKET* packet = nullptr;
  if (const UINT st = nx_packet_allocate(client_ptr->nx_pop3_client_packet_pool_ptr, &packet,
                                         NX_RECEIVE_PACKET, NX_POP3_CLIENT_PACKET_TIMEOUT))
    return st;  // NX_NO_PACKET: the download stays in progress
  const std::size_t capacity =
      static_cast<std::size_t>(packet->nx_packet_data_end - packet->nx_packet_prepend_ptr);
  if (capacity < 8) {  // not even room for a terminator and the bytes before it
    nx_packet_release(packet);
    return NX_POP3_INSUFFICIENT_PACKET_PAYLOAD;
  }
  auto filled = state->download.fill(*state->connection, packet->nx_packet_prepend_ptr, capacity);
  if (!filled) {
    nx_packet_release(packet);
    const UINT st = status_for(*state, filled.error());
    if (!state->connection || !state->connection->reading_body())
      client_ptr->nx_pop3_client_ready_to_download = NX_FALSE;
    return st;
  }
  packet->nx_packet_length = static_cast<ULONG>(filled->size);
  packet->nx_packet_append_ptr = packet->nx_packet_prepend_ptr + filled->size;
  packet->nx_packet_ip_version = state->ipv6 ? NX_IP_VERSION_V6 : NX_IP_VERSION_V4;
  *recv_packet_ptr = packet;
  *bytes_retrieved = filled->terminator_only ? 0 : packet->nx_packet_length;
  if (filled->final) {
    *final_packet = NX_TRUE;
    client_ptr->nx_pop3_client_ready_to_download = NX_FALSE;
  }
  return NX_SUCCESS;
}

UINT _nx_pop3_client_mail_item_delete(NX_POP3_CLIENT* client_ptr, UINT mail_index) {
  // Fixed: checked against the maildrop like LIST and RETR.
  if (mail_index > client_ptr->nx_pop3_client_maildrop_items) return NX_POP3_INVALID_MAIL_ITEM;
  client_state* state = nullptr;
  if (const UINT st = ready_connection(client_ptr, state)) return st;
  if (const UINT st = check_command_packet(client_ptr, *state, 5 + digits(mail_index) + 2))
    return st;
  if (auto r = state->connection->dele(mail_index); !r) return status_for(*state, r.error());
  return NX_SUCCESS;
}

UINT _nx_pop3_client_quit(NX_POP3_CLIENT* client_ptr) {
  client_state* state = nullptr;
  if (const UINT st = ready_connection(client_ptr, state)) return st;
  if (const UINT st = check_command_packet(client_ptr, *state, 6)) return st;
  auto r = state->connection->quit();
  state->connection.reset();  // the server closes after QUIT either way
  return r ? NX_SUCCESS : status_for(*state, r.error());
}

UINT _nx_pop3_client_delete(NX_POP3_CLIENT* client_ptr) {
  delete state_of(client_ptr);  // closes the connection, without QUIT
  std::memset(client_ptr, 0, sizeof *client_ptr);
  return NX_SUCCESS;
}

}  // extern "C"
