/// \file
/// TLS for the Asio driver: a client context that verifies by default (the project rule:
/// the certificate chain against a CA file or the system's trust store, TLS 1.2 at least),
/// and the per-connection setup that makes OpenSSL check the host name too. The same policy
/// as pop3::tls_handshake() (tls.hpp), on asio::ssl::stream.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <asio/ip/address.hpp>
#include <asio/ssl/context.hpp>
#include <string>
#include <string_view>
#include <system_error>

#include "pop3/result.hpp"

namespace pop3 {

/// Builds a TLS client context for asio_tls_session: TLS 1.2 or later (RFC 8997), peer
/// verification on, trusting the CA certificates in the PEM file `ca_file`, or the system's
/// trust store when `ca_file` is empty. The host name is checked per connection by
/// asio_session::connect(), so one context serves every server. Allocates the OpenSSL
/// context. Errors: errc::invalid_argument if the CA file (or the system store) cannot be
/// loaded (error::system_error: the errno, or 0 when OpenSSL rejected the contents).
/// The context must outlive every stream made from it.
inline result<asio::ssl::context> make_asio_tls_context(const std::string& ca_file = {}) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  std::error_code ec;
  context.set_verify_mode(asio::ssl::verify_peer, ec);
  if (!ec) {
    if (ca_file.empty())
      context.set_default_verify_paths(ec);
    else
      context.load_verify_file(ca_file, ec);
  }
  if (ec)
    return unexpected(error(errc::invalid_argument, command_kind::none, resp_code::none,
                            ec.category() == std::system_category() ? ec.value() : 0));
  return result<asio::ssl::context>(std::move(context));
}

namespace detail {

/// Makes the handshake on `ssl` check that the certificate names `host`: an IP literal is
/// compared with the certificate's IP addresses and no SNI is sent (RFC 6066); a DNS name is
/// sent as SNI and compared by OpenSSL as a whole (an embedded NUL cannot match; a wildcard
/// must be a whole label). Returns false if the name is empty or holds a NUL (OpenSSL would
/// check no name, or only up to the NUL) or OpenSSL refused it: then the handshake must not
/// go ahead. Allocates a copy of `host` for OpenSSL's C interface.
inline bool expect_tls_host(SSL* ssl, std::string_view host) {
  if (host.empty() || host.find('\0') != std::string_view::npos) return false;
  const std::string name(host);
  std::error_code not_ip;
  (void)asio::ip::make_address(name, not_ip);
  if (!not_ip) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // SSL_set_tlsext_host_name() spelled out, without the macro's C-style cast.
  return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(name.c_str())) == 1 &&
         SSL_set1_host(ssl, name.c_str()) == 1;
}

}  // namespace detail
}  // namespace pop3
