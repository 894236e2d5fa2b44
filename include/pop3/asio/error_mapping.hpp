/// \file
/// How the Asio driver turns Asio, operating-system and OpenSSL failures into the project's
/// error model (error.hpp), with the same codes the blocking transports use
/// (src/transport/): a connection's errno classified as tcp_connect() does, any other system
/// failure as errc::io_error with its errno, TLS failures as tls_handshake_failed (OpenSSL's
/// reason code) or certificate_rejected (the X509_V_ERR_* verdict). Nothing here allocates.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <system_error>

#include "pop3/error.hpp"

namespace pop3::detail {

/// The errno inside `ec` when it comes from the operating system, else 0 (the value of
/// error::system_error for failures that are not a system call's).
inline int asio_system_errno(const std::error_code& ec) noexcept {
  return ec.category() == std::system_category() ? ec.value() : 0;
}

/// A transport error: no command, no response code, the errno of `ec` when it has one.
inline error asio_transport_error(errc code, const std::error_code& ec) noexcept {
  return error(code, command_kind::none, resp_code::none, asio_system_errno(ec));
}

/// The error of a failed name resolution: always errc::host_not_found (as resolve.cpp).
inline error asio_resolve_error(const std::error_code& ec) noexcept {
  return asio_transport_error(errc::host_not_found, ec);
}

/// The error of a failed TCP connect: connection_refused, network_unreachable (no route,
/// network or host down), timeout (the kernel gave up), else io_error — the classification
/// of tcp_connect.cpp.
inline error asio_connect_error(const std::error_code& ec) noexcept {
  if (ec == asio::error::connection_refused)
    return asio_transport_error(errc::connection_refused, ec);
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable ||
      ec == asio::error::network_down)
    return asio_transport_error(errc::network_unreachable, ec);
  if (ec == asio::error::timed_out) return asio_transport_error(errc::timeout, ec);
  return asio_transport_error(errc::io_error, ec);
}

/// True if a read failed only because the server ended the stream: a TCP FIN, or for TLS
/// also a close without close_notify (the blocking TLS transport treats both as the end).
inline bool asio_end_of_stream(const std::error_code& ec) noexcept {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

/// The error of a failed read or write: errc::io_error with the errno (or 0 for a TLS
/// record-layer failure, whose reason is OpenSSL's).
inline error asio_io_error(const std::error_code& ec) noexcept {
  return asio_transport_error(errc::io_error, ec);
}

/// The error of a failed TLS handshake on `ssl`: certificate_rejected with the X509_V_ERR_*
/// verdict if the certificate did not verify (chain, validity or host name), else
/// tls_handshake_failed with OpenSSL's reason code (0 if the server closed the connection),
/// or io_error for a system failure (a reset). Clears OpenSSL's error queue.
inline error asio_handshake_error(SSL* ssl, const std::error_code& ec) noexcept {
  const long verdict = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  ERR_clear_error();
  if (verdict != X509_V_OK)
    return error(errc::certificate_rejected, command_kind::none, resp_code::none,
                 static_cast<int>(verdict));
  if (ec.category() == asio::error::get_ssl_category())
    return error(errc::tls_handshake_failed, command_kind::none, resp_code::none,
                 ERR_GET_REASON(static_cast<unsigned long>(ec.value())));
  if (asio_end_of_stream(ec)) return error(errc::tls_handshake_failed);
  return asio_io_error(ec);
}

}  // namespace pop3::detail
