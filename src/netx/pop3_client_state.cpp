#include "pop3_client_state.hpp"

#include <cstring>

#include "pop3/tcp_transport.hpp"
#include "ticks.hpp"

namespace pop3::netx {

client_state* state_of(NX_POP3_CLIENT* client) {
  if (client->nx_pop3_client_host_id != client_id) return nullptr;
  return static_cast<client_state*>(client->nx_pop3_client_host_state);
}

UINT status_for(client_state& state, const error& e) {
  UINT status;
  switch (e.code) {
    case errc::server_error:
      status = NX_POP3_SERVER_ERROR_STATUS;
      break;
    case errc::no_such_message:
      status = NX_POP3_INVALID_MAIL_ITEM;
      break;
    case errc::invalid_argument:
    case errc::command_too_long:
      status = NX_POP3_PARAM_ERROR;
      break;
    case errc::timeout:
    case errc::deadline_exceeded:
      status = NX_NO_PACKET;  // NetX's status for "nothing received in time"
      break;
    case errc::connection_closed:
    case errc::host_not_found:
    case errc::connection_refused:
    case errc::network_unreachable:
    case errc::io_error:
      status = NX_NOT_CONNECTED;
      break;
    default:
      status = e.fatal() ? NX_POP3_SERVER_ERROR_STATUS  // the server broke the protocol
                         : NX_POP3_CLIENT_INVALID_STATE;
      break;
  }
  // A fatal error has closed the session, and the next mail_items_get() reconnects. The one
  // exception: a read that timed out inside a message, which may go on.
  const bool body_goes_on =
      e.code == errc::timeout && state.connection && state.connection->reading_body();
  if (e.fatal() && !body_goes_on) state.connection.reset();
  return status;
}

UINT check_command_packet(NX_POP3_CLIENT* client, const client_state& state,
                          std::size_t command_length) {
  NX_PACKET* packet = nullptr;
  const ULONG header_room = state.ipv6 ? NX_IPv6_TCP_PACKET : NX_IPv4_TCP_PACKET;
  const UINT status = nx_packet_allocate(client->nx_pop3_client_packet_pool_ptr, &packet,
                                         header_room, NX_POP3_CLIENT_PACKET_TIMEOUT);
  if (status != NX_SUCCESS) return status;
  const bool fits =
      header_room + command_length < packet->nx_packet_pool_owner->nx_packet_pool_payload_size;
  nx_packet_release(packet);
  return fits ? NX_SUCCESS : NX_POP3_INSUFFICIENT_PACKET_PAYLOAD;
}

std::size_t digits(std::uint32_t n) {
  std::size_t count = 1;
  while (n >= 10) {
    n /= 10;
    ++count;
  }
  return count;
}

namespace {

session_options netx_session_options() {
  session_options o;
  o.connect_timeout = ticks_to_duration(NX_POP3_CLIENT_CONNECTION_TIMEOUT);
  o.idle_timeout = is_forever(NX_POP3_SERVER_REPLY_TIMEOUT)
                       ? std::chrono::milliseconds(0)
                       : ticks_to_duration(NX_POP3_SERVER_REPLY_TIMEOUT);
  o.command_timeout = std::chrono::milliseconds(0);  // NetX bounds each receive, not commands
  o.pipelining = pipelining_mode::off;
  // Small buffers: one command at a time, replies of at most 512 octets per line.
  o.engine.receive_buffer_size = 4096;
  o.engine.output_buffer_size = 512;
  o.engine.max_sasl_line_length = 512;
  o.engine.max_in_flight = 2;
  o.engine.max_messages = 65536;
  return o;
}

/// A -ERR to APOP falls back to USER/PASS; anything else ends the login.
bool apop_refused(const result<void>& r) {
  return !r && r.error().code == errc::server_error;
}

UINT log_in(NX_POP3_CLIENT* client, client_state& state) {
  const session_options options = netx_session_options();
  tcp_options tcp;
  tcp.connect_timeout = options.connect_timeout;
  auto connected = tcp_transport::connect(state.host, state.port, tcp, no_deadline);
  if (!connected) return NX_NOT_CONNECTED;  // refused, unreachable or timed out
  auto started = session::start(std::unique_ptr<transport>(std::move(*connected)), options);
  if (!started) return status_for(state, started.error());
  state.connection.emplace(std::move(*started));
  session& s = *state.connection;

  const std::string& stamp = s.apop_timestamp();
  std::memset(client->nx_pop3_server_process_id, 0, sizeof client->nx_pop3_server_process_id);
  std::memcpy(client->nx_pop3_server_process_id, stamp.data(),
              std::min(stamp.size(), std::size_t{NX_POP3_SERVER_PROCESS_ID_SIZE}));

  const std::string_view name = client->nx_pop3_client_name;
  const std::string_view password = client->nx_pop3_client_password;
  if (client->nx_pop3_client_enable_APOP_authentication && !stamp.empty()) {
    if (const UINT st = check_command_packet(client, state, 5 + name.size() + 1 + 32 + 2); st)
      return st;
    auto apop = s.login(name, password, login_method::apop);
    if (apop) return NX_SUCCESS;
    if (!apop_refused(apop)) return status_for(state, apop.error());
  } else {
    // No usable timestamp: the original then clears the APOP flag and uses USER/PASS.
    client->nx_pop3_client_enable_APOP_authentication = NX_FALSE;
  }
  if (const UINT st = check_command_packet(client, state, 5 + name.size() + 2); st) return st;
  if (auto user = s.simple_command(cmd::user(name)); !user) return status_for(state, user.error());
  if (const UINT st = check_command_packet(client, state, 5 + password.size() + 2); st) return st;
  if (auto pass = s.simple_command(cmd::pass(password)); !pass)
    return status_for(state, pass.error());  // Fixed: a rejected PASS is an error
  return NX_SUCCESS;
}

}  // namespace

UINT connect_and_login(NX_POP3_CLIENT* client, client_state& state) {
  state.connection.reset();
  const UINT status = log_in(client, state);
  if (status != NX_SUCCESS) state.connection.reset();  // Fixed: nothing stays open on failure
  return status;
}

UINT ready_connection(NX_POP3_CLIENT* client, client_state*& state) {
  state = state_of(client);
  if (!state || !state->connection) return NX_NOT_CONNECTED;
  client->nx_pop3_client_ready_to_download = NX_FALSE;
  if (auto skipped = state->connection->skip_body(); !skipped)
    return status_for(*state, skipped.error());
  return NX_SUCCESS;
}

}  // namespace pop3::netx
