#include "exit_status.hpp"

#include <cstdio>
#include <string>

#include "pop3/tls.hpp"

namespace pop3::agent {

int exit_code_for(const error& e) {
  switch (e.code) {
    case errc::invalid_argument:
    case errc::command_too_long:
    case errc::no_such_message:
      return exit_data;
    case errc::command_not_allowed:
    case errc::pipeline_full:
    case errc::output_buffer_full:
      return exit_software;
    case errc::apop_unavailable:
      return exit_unavailable;
    case errc::server_error:
      if (is_temporary(e.response)) return exit_temporary;
      if (e.response == resp_code::auth || e.command == command_kind::user ||
          e.command == command_kind::pass || e.command == command_kind::apop ||
          e.command == command_kind::auth)
        return exit_auth;
      return exit_unavailable;
    case errc::sink_failed:
      return exit_io;
    case errc::tls_not_available:
      return is_temporary(e.response) ? exit_temporary : exit_unavailable;
    case errc::no_acceptable_mechanism:
    case errc::certificate_rejected:
    case errc::certificate_pin_mismatch:
      return exit_unavailable;
    case errc::server_not_authenticated:
      return exit_auth;
    case errc::host_not_found:
      return exit_no_host;
    case errc::connection_refused:
    case errc::network_unreachable:
      return exit_unavailable;
    case errc::timeout:
    case errc::deadline_exceeded:
      return exit_temporary;
    case errc::io_error:
      return exit_io;
    default:
      return exit_protocol;  // the protocol violations, connection_closed among them
  }
}

std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  const std::string_view shown = text.substr(0, limit);
  for (char c : shown) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", u);
      out += hex;
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

namespace {

std::string quoted_refusal(const server_reply& reply) {
  std::string text = "the server answered -ERR";
  if (!reply.code_text.empty()) text += " [" + printable(reply.code_text, 40) + "]";
  return text + " \"" + printable(reply.text) + "\"";
}

}  // namespace

std::string describe_failure(std::string_view what, const error& e, const server_reply& reply) {
  std::string line = std::string(what) + ": ";
  if (e.code == errc::server_error) return line + quoted_refusal(reply);
  if (e.code == errc::tls_not_available) {
    // Three different causes behind one code: say which.
    if (e.command == command_kind::capa)
      return line + "TLS is required, but CAPA failed, so STLS cannot be asked for: " +
             quoted_refusal(reply);
    if (reply.command == command_kind::stls && !reply.ok)
      return line + "TLS is required, but the server refused STLS: " + quoted_refusal(reply);
    return line + "TLS is required, but the server does not offer STLS";
  }
  line += explain(e);  // with the system's or OpenSSL's words where they add something
  return line;
}

std::string failure_line(std::string_view what, const error& e, const server_reply& reply) {
  return "pop3: " + describe_failure(what, e, reply);
}

}  // namespace pop3::agent
