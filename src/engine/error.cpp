#include "pop3/error.hpp"

#include <string>

namespace pop3 {
namespace {

struct errc_info {
  errc code;
  std::string_view name;
  std::string_view description;
};

// One row per enumerator; name() and describe() both read it, so they cannot disagree.
constexpr errc_info errc_table[] = {
    {errc::invalid_argument, "invalid_argument",
     "invalid argument (empty, a control character, or message number 0)"},
    {errc::command_too_long, "command_too_long",
     "command longer than 255 octets (or a SASL response longer than the SASL line limit)"},
    {errc::command_not_allowed, "command_not_allowed",
     "command not allowed in the current session state"},
    {errc::pipeline_full, "pipeline_full", "too many commands awaiting replies"},
    {errc::output_buffer_full, "output_buffer_full",
     "no room for the command in the output buffer"},
    {errc::apop_unavailable, "apop_unavailable",
     "APOP is not available: the greeting has no valid timestamp"},
    {errc::no_such_message, "no_such_message", "no such message in the maildrop"},
    {errc::server_error, "server_error", "the server answered -ERR"},
    {errc::sink_failed, "sink_failed", "writing the message out failed"},
    {errc::no_acceptable_mechanism, "no_acceptable_mechanism",
     "the server offers no login method that local policy allows"},
    {errc::malformed_challenge, "malformed_challenge", "the server sent an invalid SASL challenge"},
    {errc::server_not_authenticated, "server_not_authenticated",
     "the server failed to prove that it knows the password"},
    {errc::bad_status_indicator, "bad_status_indicator",
     "protocol violation: reply is not \"+OK\" or \"-ERR\""},
    {errc::line_too_long, "line_too_long", "protocol violation: reply line too long"},
    {errc::bare_line_feed, "bare_line_feed", "protocol violation: reply line ends without CR"},
    {errc::unexpected_data, "unexpected_data",
     "protocol violation: data the client did not ask for"},
    {errc::malformed_reply, "malformed_reply", "protocol violation: malformed reply"},
    {errc::number_overflow, "number_overflow", "protocol violation: number out of range"},
    {errc::message_number_out_of_range, "message_number_out_of_range",
     "protocol violation: message number out of range"},
    {errc::duplicate_entry, "duplicate_entry", "protocol violation: message listed twice"},
    {errc::wrong_message_number, "wrong_message_number",
     "protocol violation: reply is about another message"},
    {errc::invalid_uid, "invalid_uid", "protocol violation: invalid unique-id"},
    {errc::too_many_entries, "too_many_entries", "protocol violation: listing too long"},
    {errc::too_many_capabilities, "too_many_capabilities",
     "protocol violation: too many capabilities"},
    {errc::connection_closed, "connection_closed", "the server closed the connection"},
    {errc::host_not_found, "host_not_found", "host not found"},
    {errc::connection_refused, "connection_refused", "connection refused"},
    {errc::network_unreachable, "network_unreachable", "network unreachable"},
    {errc::timeout, "timeout", "timed out"},
    {errc::deadline_exceeded, "deadline_exceeded", "command deadline exceeded"},
    {errc::io_error, "io_error", "input/output error"},
    {errc::tls_not_available, "tls_not_available",
     "TLS is required, but the server does not offer STLS"},
    {errc::tls_handshake_failed, "tls_handshake_failed", "the TLS handshake failed"},
    {errc::certificate_rejected, "certificate_rejected", "the server's certificate was rejected"},
    {errc::certificate_pin_mismatch, "certificate_pin_mismatch",
     "the server's certificate matches no pin"},
};

const errc_info* find(errc code) noexcept {
  for (const auto& row : errc_table)
    if (row.code == code) return &row;
  return nullptr;
}

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pop3"; }
  std::string message(int value) const override {
    return std::string(describe(static_cast<errc>(value)));
  }
};

}  // namespace

const std::error_category& pop3_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view describe(errc code) noexcept {
  const errc_info* row = find(code);
  return row ? row->description : "unknown error";
}

std::string_view name(errc code) noexcept {
  const errc_info* row = find(code);
  return row ? row->name : "unknown";
}

}  // namespace pop3
