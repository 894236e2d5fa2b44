/// \file
/// Opening a session the secure way. The policy (issue: no cleartext password unless asked):
/// - implicit: TLS from the first byte (POP3S, port 995) — the default;
/// - starttls: cleartext greeting, then STLS is required: if CAPA fails, does not list STLS,
///   or STLS is refused, the session ends before anything else is sent;
/// - none: cleartext, only when asked for by name.
///
/// No mode ever falls back to another.
#pragma once

#include <cstdint>
#include <string_view>

#include "pop3/result.hpp"
#include "pop3/session.hpp"
#include "pop3/tls.hpp"

namespace pop3 {

/// How open_session() protects the connection (see the policy above).
enum class tls_mode : std::uint8_t {
  implicit,  ///< TLS from the first byte (POP3S)
  starttls,  ///< cleartext greeting, then STLS, required
  none       ///< cleartext
};

/// "implicit", "starttls" or "none". The view is a static string; does not allocate.
std::string_view to_string(tls_mode mode) noexcept;

/// 995 for implicit TLS, 110 otherwise.
constexpr std::uint16_t default_port(tls_mode mode) noexcept {
  return mode == tls_mode::implicit ? 995 : 110;
}

/// Everything open_session() needs besides the address.
struct connect_options {
  tls_mode tls = tls_mode::implicit;  ///< the TLS policy
  tls_options tls_settings;           ///< verification, pins, client certificate, timeout
  session_options session;            ///< timeouts, pipelining, engine sizes
};

/// Connects to host:port (port 0: default_port(tls)) under the policy above, reads the
/// greeting, and issues CAPA (after TLS for starttls), so that the capabilities are known for
/// choosing a login method and for pipelining. A -ERR to CAPA is no error for implicit and
/// none. The certificate is verified against `host` (see tls_handshake()).
/// Errors: the connection's (host_not_found, connection_refused, ...), the greeting's,
/// errc::tls_not_available (starttls; error::command says why: capa — CAPA failed; stls — no
/// STLS in CAPA, or, with the server's response code, STLS refused), and the TLS errors of
/// tls_handshake().
/// If the open fails because the server said -ERR (to the greeting, or, for starttls, to
/// CAPA or STLS) and `refusal` is not null, it receives that status line (its text and
/// response code). Returns the session, logged out (AUTHORIZATION state), with its
/// capabilities known if the server has CAPA. Allocates (the connection, the engine's
/// buffers).
result<session> open_session(std::string_view host, std::uint16_t port,
                             const connect_options& options, server_reply* refusal = nullptr);

/// The same over a connection made elsewhere (your own socket, a proxy, tests): TLS and the
/// policy as above; `host` is the name the certificate must carry, and `peer` what
/// session::peer() will report. Same result, errors and `refusal` as the other overload,
/// without the connection's errors.
result<session> open_session(std::unique_ptr<transport> connection, std::string_view host,
                             const connect_options& options, std::string peer = {},
                             server_reply* refusal = nullptr);

}  // namespace pop3
