/// \file
/// TLS (OpenSSL 3) as a client over any transport: implicit TLS (POP3S) and the handshake after
/// STLS. Verification is on by default: the chain against the system trust store (or a CA
/// file), and the host name or IP address with OpenSSL's own checks; TLS 1.2 at least.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/result.hpp"
#include "pop3/transport.hpp"

namespace pop3 {

/// A SHA-256 pin, of the certificate (its DER encoding) or of its public key (the DER
/// SubjectPublicKeyInfo, as curl's --pinnedpubkey): either matches.
struct certificate_pin {
  std::array<unsigned char, 32> sha256{};  ///< the SHA-256 digest
  /// Same digest.
  friend bool operator==(const certificate_pin&, const certificate_pin&) = default;
};

/// Parses "sha256:" followed by 64 hex digits (colons allowed between bytes) or by the
/// base64 of the 32 bytes. Errors: errc::invalid_argument for anything else. Does not keep
/// `text`.
result<certificate_pin> parse_certificate_pin(std::string_view text);

/// How tls_handshake() verifies the server and authenticates the client.
struct tls_options {
  /// False skips every check of the certificate (--insecure): anyone on the path can then
  /// read and change the session. Pins are still checked if given.
  bool verify = true;
  /// PEM file of trusted CA certificates; empty means the system's trust store.
  std::string ca_file;
  /// If not empty, the certificate must match one of these, and that decides instead of the
  /// CA chain and the name (the pin is the trust anchor, as mpop's tls_fingerprint).
  std::vector<certificate_pin> pins;
  /// A client certificate (PEM), for SASL EXTERNAL; with client_key_file, or empty.
  std::string client_certificate_file;
  std::string client_key_file;  ///< the client certificate's private key (PEM), or empty
  /// The handshake must complete within this time.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
};

/// What was negotiated, and the server's certificate. Text fields come from the server:
/// escape them before showing them.
struct tls_details {
  std::string version;                                 ///< "TLSv1.3"
  std::string cipher;                                  ///< "TLS_AES_256_GCM_SHA384"
  std::string subject;                                 ///< RFC 2253 one-line form
  std::string issuer;                                  ///< RFC 2253 one-line form
  std::string not_before;                              ///< "2026-11-26 20:41:19 UTC"
  std::string not_after;                               ///< the same form as not_before
  std::array<unsigned char, 32> certificate_sha256{};  ///< SHA-256 of the certificate (DER)
  std::array<unsigned char, 32> public_key_sha256{};   ///< SHA-256 of its SubjectPublicKeyInfo
  bool verified = false;  ///< the chain and name verified, or a pin matched
  bool pinned = false;    ///< a pin matched
};

/// Performs a TLS client handshake over `inner` and returns the encrypted transport.
/// `server_name` is the host the user named: a DNS name is sent as SNI and checked against
/// the certificate; an IP literal is checked as an address and no SNI is sent.
/// Errors: errc::invalid_argument (an empty `server_name` or one with a NUL, which would weaken
/// the name check: nothing is sent; an unreadable CA, certificate or key file:
/// error::system_error is errno or 0), errc::tls_handshake_failed (error::system_error: the OpenSSL
/// reason code), errc::certificate_rejected (error::system_error: the X509_V_ERR_* code),
/// errc::certificate_pin_mismatch, errc::timeout (the handshake took longer than
/// handshake_timeout or `until`), and the inner transport's errors. A read from the returned
/// transport ends with errc::timeout at its deadline even while records without application
/// data keep arriving. TLS 1.2 renegotiation is refused. On success the returned
/// transport owns `inner`; its tls() gives the tls_details. Allocates (the OpenSSL objects,
/// the buffers).
result<std::unique_ptr<transport>> tls_handshake(std::unique_ptr<transport> inner,
                                                 std::string_view server_name,
                                                 const tls_options& options, deadline until);

/// A one-line explanation of an error, more precise than describe(): the system's text for
/// io_error, OpenSSL's for TLS errors ("certificate has expired"). Allocates the string.
std::string explain(const error& e);

/// "AB:CD:..." upper-case hex with colons, for fingerprints. Allocates the string.
std::string fingerprint_text(const std::array<unsigned char, 32>& digest);

}  // namespace pop3
