/// \file
/// Logging in: choosing a method by local policy, and running it (USER/PASS, APOP, or SASL —
/// RFC 5034 — with PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256, XOAUTH2, OAUTHBEARER,
/// EXTERNAL). DIGEST-MD5 is not offered (RFC 6331). Crypto comes from OpenSSL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pop3/result.hpp"
#include "pop3/session.hpp"

namespace pop3 {

/// A login method: USER/PASS, APOP, or a SASL mechanism (the secret is the password unless
/// noted).
enum class auth_mechanism : std::uint8_t {
  automatic,      ///< the strongest the server offers that policy allows (see choose_mechanism)
  user,           ///< USER/PASS
  apop,           ///< APOP (RFC 1939 §7): needs a timestamp in the greeting
  plain,          ///< SASL PLAIN (RFC 4616)
  login,          ///< SASL LOGIN
  cram_md5,       ///< SASL CRAM-MD5 (RFC 2195)
  scram_sha_1,    ///< SASL SCRAM-SHA-1 (RFC 5802); the server's proof is checked
  scram_sha_256,  ///< SASL SCRAM-SHA-256 (RFC 7677); the server's proof is checked
  xoauth2,        ///< the secret is an OAuth 2 access token
  oauthbearer,    ///< RFC 7628; the secret is an OAuth 2 access token
  external,       ///< the TLS client certificate (tls_options::client_certificate_file)
};

/// The name as the CLI and the configuration spell it: "auto", "user", "apop", "plain",
/// "login", "cram-md5", "scram-sha-1", "scram-sha-256", "xoauth2", "oauthbearer", "external".
/// The view is a static string (valid forever); does not allocate.
std::string_view to_string(auth_mechanism mechanism) noexcept;
/// The inverse of to_string() (case-insensitive). Errors: errc::invalid_argument for any
/// other name. Does not allocate.
result<auth_mechanism> parse_auth_mechanism(std::string_view name);

/// Who logs in, for authenticate().
struct credentials {
  std::string user;     ///< the user name (may be empty only for EXTERNAL)
  std::string secret;   ///< the password, or the OAuth token for xoauth2 / oauthbearer
  std::string authzid;  ///< SASL authorization identity; empty: the same as user
};

/// How authenticate() logs in.
struct auth_options {
  auth_mechanism mechanism = auth_mechanism::automatic;  ///< the method, or local policy's choice
  /// XOAUTH2 with the token in the AUTH command (one round trip) instead of after an empty
  /// challenge (the default, which Microsoft 365 requires).
  bool xoauth2_one_step = false;
  /// Host for OAUTHBEARER's "host=" field (empty: left out).
  std::string host;
  std::uint16_t port = 0;  ///< port for OAUTHBEARER's "port=" field (0: left out)
};

/// The method `options.mechanism` resolves to on this session: itself if named, else the
/// first of SCRAM-SHA-256, SCRAM-SHA-1 the server lists, then — only inside TLS whose
/// certificate was verified (or pinned; not with tls_options::insecure, where the password
/// could go to an impostor, RFC 8314 §5) — PLAIN, LOGIN, USER/PASS. APOP, CRAM-MD5, XOAUTH2,
/// OAUTHBEARER and EXTERNAL are used only when named. Errors: errc::no_acceptable_mechanism
/// (nothing is sent: this only reads the session's capabilities). Does not allocate.
result<auth_mechanism> choose_mechanism(const session& s, const auth_options& options);

/// Logs in with the chosen method (after UTF8, if the server offers it and the credentials
/// are not ASCII). Returns the method used.
/// Errors: invalid_argument (CR, LF or NUL in a credential, an empty user; nothing is sent),
/// no_acceptable_mechanism, apop_unavailable, server_error (-ERR; the response code, e.g.
/// [AUTH] or [SYS/TEMP], is in error::response), malformed_challenge (the exchange was
/// cancelled with "*"), server_not_authenticated (SCRAM: the server's signature was wrong or
/// missing; the session is closed), and the fatal errors.
result<auth_mechanism> authenticate(session& s, const credentials& who,
                                    const auth_options& options);

}  // namespace pop3
