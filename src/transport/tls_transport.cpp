// TLS over any pop3::transport through OpenSSL memory BIOs: OpenSSL never touches a socket,
// so TLS runs the same over TCP, the in-memory pair and the fault-injecting wrapper.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "pop3/base64.hpp"
#include "pop3/tls.hpp"

namespace pop3 {
namespace {

bool is_ip_literal(std::string_view host) {
  const std::string h(host);
  unsigned char address[16];
  return inet_pton(AF_INET, h.c_str(), address) == 1 ||
         inet_pton(AF_INET6, h.c_str(), address) == 1;
}

std::string asn1_time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string name_text(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(std::max(size, 0L)));
  BIO_free(bio);
  return text;
}

std::array<unsigned char, 32> sha256_of_der(int (*encode)(const X509*, unsigned char**),
                                            const X509* cert) {
  std::array<unsigned char, 32> digest{};
  unsigned char* der = nullptr;
  const int size = encode(cert, &der);
  if (size > 0)
    EVP_Digest(der, static_cast<std::size_t>(size), digest.data(), nullptr, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return digest;
}

int certificate_der(const X509* cert, unsigned char** out) {
  return i2d_X509(cert, out);
}
int public_key_der(const X509* cert, unsigned char** out) {
  return i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), out);
}

/// The error of a failed TLS operation: OpenSSL's reason, or the certificate's verdict when
/// the chain was to be checked (OpenSSL records a verdict even when told not to check, and a
/// pinned self-signed certificate must not be blamed for another failure).
error tls_failure(SSL* ssl, bool chain_checked) {
  const long verdict = SSL_get_verify_result(ssl);
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (chain_checked && verdict != X509_V_OK)
    return error(errc::certificate_rejected, command_kind::none, resp_code::none,
                 static_cast<int>(verdict));
  return error(errc::tls_handshake_failed, command_kind::none, resp_code::none,
               static_cast<int>(ERR_GET_REASON(code)));
}

class tls_transport final : public transport {
 public:
  tls_transport(std::unique_ptr<transport> inner, SSL_CTX* context, SSL* ssl, bool chain_checked)
      : inner_(std::move(inner)), context_(context), ssl_(ssl), chain_checked_(chain_checked) {}
  ~tls_transport() override {
    SSL_free(ssl_);  // frees the BIOs too
    SSL_CTX_free(context_);
  }

  result<void> handshake(deadline until) {
    for (;;) {
      ERR_clear_error();
      const int r = SSL_connect(ssl_);
      POP3_TRY(flush(until));  // the ClientHello, or an alert
      if (r == 1) return {};
      if (SSL_get_error(ssl_, r) != SSL_ERROR_WANT_READ)
        return unexpected(tls_failure(ssl_, chain_checked_));
      auto more = pull(until);
      if (!more) return unexpected(more.error());
      if (*more == 0)  // closed during the handshake
        return unexpected(error(errc::tls_handshake_failed));
      POP3_TRY(check_deadline(until));
    }
  }

  void record_details(const std::vector<certificate_pin>& pins, bool verified_chain) {
    details_.version = SSL_get_version(ssl_);
    details_.cipher = SSL_get_cipher_name(ssl_);
    if (X509* cert = SSL_get1_peer_certificate(ssl_)) {
      details_.subject = name_text(X509_get_subject_name(cert));
      details_.issuer = name_text(X509_get_issuer_name(cert));
      details_.not_before = asn1_time_text(X509_get0_notBefore(cert));
      details_.not_after = asn1_time_text(X509_get0_notAfter(cert));
      details_.certificate_sha256 = sha256_of_der(certificate_der, cert);
      details_.public_key_sha256 = sha256_of_der(public_key_der, cert);
      X509_free(cert);
      for (const auto& pin : pins)
        if (pin.sha256 == details_.certificate_sha256 || pin.sha256 == details_.public_key_sha256)
          details_.pinned = true;
    }
    details_.verified = details_.pinned || verified_chain;
  }

  const tls_details& details() const noexcept { return details_; }
  const tls_details* tls() const noexcept override { return &details_; }

  result<std::size_t> read(std::span<char> buffer, deadline until) override {
    if (buffer.empty()) return std::size_t{0};
    for (;;) {
      ERR_clear_error();
      std::size_t n = 0;
      const int r = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
      if (r == 1) return n;
      switch (SSL_get_error(ssl_, r)) {
        case SSL_ERROR_ZERO_RETURN:
          return std::size_t{0};  // close_notify: the end of the stream
        case SSL_ERROR_WANT_READ: {
          POP3_TRY(flush(until));  // e.g. a key update answer
          auto more = pull(until);
          if (!more) return unexpected(more.error());
          if (*more == 0) return std::size_t{0};  // closed without close_notify: also the end
          // Records without application data (key updates, tickets) keep arriving: the
          // socket is never idle, so only this check ends the wait on time.
          POP3_TRY(check_deadline(until));
          break;
        }
        default:
          return unexpected(error(errc::io_error, command_kind::none, resp_code::none,
                                  static_cast<int>(ERR_GET_REASON(ERR_peek_last_error()))));
      }
    }
  }

  result<void> write(std::span<const char> data, deadline until) override {
    while (!data.empty()) {
      ERR_clear_error();
      std::size_t n = 0;
      if (SSL_write_ex(ssl_, data.data(), data.size(), &n) != 1)
        return unexpected(error(errc::io_error, command_kind::none, resp_code::none, EPIPE));
      data = data.subspan(n);
      POP3_TRY(flush(until));
    }
    return {};
  }

  void close() noexcept override {
    if (!closed_) {
      closed_ = true;
      SSL_shutdown(ssl_);  // queues close_notify; sent if the peer still reads
      (void)flush(steady_clock::now());
    }
    inner_->close();
  }

 private:
  static result<void> check_deadline(deadline until) {
    if (until != no_deadline && steady_clock::now() >= until)
      return unexpected(error(errc::timeout));
    return {};
  }

  /// Sends what OpenSSL wrote into its output BIO.
  result<void> flush(deadline until) {
    BIO* out = SSL_get_wbio(ssl_);
    char chunk[16384];
    while (BIO_ctrl_pending(out) > 0) {
      const int n = BIO_read(out, chunk, sizeof chunk);
      if (n <= 0) break;
      POP3_TRY(inner_->write(std::span<const char>(chunk, static_cast<std::size_t>(n)), until));
    }
    return {};
  }

  /// Reads from the network into OpenSSL's input BIO; 0 at the end of the stream.
  result<std::size_t> pull(deadline until) {
    char chunk[16384];
    auto n = inner_->read(chunk, until);
    if (!n) return unexpected(n.error());
    if (*n > 0) BIO_write(SSL_get_rbio(ssl_), chunk, static_cast<int>(*n));
    return *n;
  }

  std::unique_ptr<transport> inner_;
  SSL_CTX* context_;
  SSL* ssl_;
  bool chain_checked_;
  tls_details details_;
  bool closed_ = false;
};

result<SSL_CTX*> make_context(const tls_options& options) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return unexpected(errc::tls_handshake_failed);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);  // RFC 8997
  // A TLS 1.2 renegotiation could bring a certificate that no pin was checked against.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  const bool check_chain = options.verify && options.pins.empty();
  SSL_CTX_set_verify(ctx, check_chain ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  const bool loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx) == 1
                                              : SSL_CTX_load_verify_locations(
                                                    ctx, options.ca_file.c_str(), nullptr) == 1;
  bool client_ok = true;
  if (!options.client_certificate_file.empty() || !options.client_key_file.empty()) {
    client_ok =
        SSL_CTX_use_certificate_chain_file(ctx, options.client_certificate_file.c_str()) == 1 &&
        SSL_CTX_use_PrivateKey_file(ctx, options.client_key_file.c_str(), SSL_FILETYPE_PEM) == 1 &&
        SSL_CTX_check_private_key(ctx) == 1;
  }
  ERR_clear_error();
  if (!loaded || !client_ok) {
    SSL_CTX_free(ctx);
    return unexpected(errc::invalid_argument);
  }
  return ctx;
}

}  // namespace

result<std::unique_ptr<transport>> tls_handshake(std::unique_ptr<transport> inner,
                                                 std::string_view server_name,
                                                 const tls_options& options, deadline until) {
  // An empty name would make OpenSSL check no name at all (any trusted certificate would
  // do), and one with a NUL would be checked only up to it.
  if (server_name.empty() || server_name.find('\0') != std::string_view::npos)
    return unexpected(errc::invalid_argument);
  if (options.handshake_timeout.count() > 0)
    until = std::min(until, steady_clock::now() + options.handshake_timeout);
  auto ctx = make_context(options);
  if (!ctx) return unexpected(ctx.error());
  SSL* ssl = SSL_new(*ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!ssl || !in || !out) {
    SSL_free(ssl);
    BIO_free(in);
    BIO_free(out);
    SSL_CTX_free(*ctx);
    return unexpected(errc::tls_handshake_failed);
  }
  BIO_set_mem_eof_return(in, -1);  // an empty input BIO means "wait for more", not EOF
  SSL_set_bio(ssl, in, out);
  const bool check_chain = options.verify && options.pins.empty();
  auto tls = std::make_unique<tls_transport>(std::move(inner), *ctx, ssl, check_chain);

  const std::string name(server_name);
  if (is_ip_literal(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    // SNI for names only (RFC 6066); SSL_set_tlsext_host_name() spelled out, without its cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
    // OpenSSL compares the whole name, so an embedded NUL in a certificate cannot match. A
    // wildcard must be a whole label (RFC 9525 §6.3): no "f*.example.org".
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, name.c_str()) != 1) return unexpected(errc::tls_handshake_failed);
  }
  POP3_TRY(tls->handshake(until));
  tls->record_details(options.pins, check_chain && SSL_get_verify_result(ssl) == X509_V_OK);
  if (!options.pins.empty() && !tls->details().pinned) {
    tls->close();
    return unexpected(errc::certificate_pin_mismatch);
  }
  return std::unique_ptr<transport>(std::move(tls));
}

result<certificate_pin> parse_certificate_pin(std::string_view text) {
  constexpr std::string_view prefix = "sha256:";
  if (text.substr(0, prefix.size()) != prefix) return unexpected(errc::invalid_argument);
  text.remove_prefix(prefix.size());
  certificate_pin pin;
  std::string hex;
  for (char c : text)
    if (c != ':') hex += c;
  auto hex_value = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() == 64 &&
      std::all_of(hex.begin(), hex.end(), [&](char c) { return hex_value(c) >= 0; })) {
    for (std::size_t i = 0; i < 32; ++i)
      pin.sha256[i] =
          static_cast<unsigned char>(hex_value(hex[2 * i]) * 16 + hex_value(hex[2 * i + 1]));
    return pin;
  }
  auto bytes = base64_decode(text, 32);
  if (!bytes || bytes->size() != 32) return unexpected(errc::invalid_argument);
  std::memcpy(pin.sha256.data(), bytes->data(), 32);
  return pin;
}

std::string fingerprint_text(const std::array<unsigned char, 32>& digest) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i) out += ':';
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string explain(const error& e) {
  std::string text(describe(e.code));
  switch (e.code) {
    case errc::certificate_rejected:
      text += ": ";
      text += X509_verify_cert_error_string(e.system_error);
      break;
    case errc::tls_handshake_failed:
      if (e.system_error) {
        const char* reason = ERR_reason_error_string(
            ERR_PACK(ERR_LIB_SSL, 0, static_cast<unsigned>(e.system_error)));
        if (reason) text += std::string(": ") + reason;
      }
      break;
    case errc::io_error:
    case errc::sink_failed:
      if (e.system_error) text += std::string(" (") + std::strerror(e.system_error) + ")";
      break;
    default:
      break;
  }
  return text;
}

}  // namespace pop3
