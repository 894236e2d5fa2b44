// pop3::tls_handshake against a TLS server in plain OpenSSL (tests/support): verification
// on by default, the certificate's verdict as an exact X509_V_ERR code, pins, SNI only for
// names, the details recorded, a handshake deadline, and data both ways afterwards.
#include "pop3/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <unistd.h>

#include <fstream>

#include "pop3/tcp_transport.hpp"
#include "support/openssl_handles.hpp"
#include "support/test_certificates.hpp"
#include "support/tls_test_server.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

/// Options for a server with this identity (the struct's other fields keep their defaults).
tls_test_server_options serving(key_and_certificate identity) {
  tls_test_server_options o;
  o.identity = std::move(identity);
  return o;
}

class tls_handshake_test : public ::testing::Test {
 protected:
  // One file per process: ctest runs the tests of this file in parallel processes.
  tls_handshake_test()
      : ca_file_(std::filesystem::temp_directory_path() /
                 ("pop3-tls-test-ca-" + std::to_string(::getpid()) + ".pem")) {
    ca_.write_ca_pem(ca_file_);
  }
  ~tls_handshake_test() override { std::filesystem::remove(ca_file_); }

  key_and_certificate good() const { return ca_.issue({{"localhost"}, {"127.0.0.1"}}); }

  /// Connects to `server` and runs the handshake as `host`.
  result<std::unique_ptr<transport>> handshake(const tls_test_server& server,
                                               const std::string& host, tls_options options) {
    auto tcp = tcp_connect("127.0.0.1", server.port(), {}, steady_clock::now() + 5s);
    if (!tcp) return unexpected(tcp.error());
    return tls_handshake(std::move(*tcp), host, options, steady_clock::now() + 10s);
  }
  tls_options trusting_ca() const {
    tls_options o;
    o.ca_file = ca_file_.string();
    return o;
  }

  test_ca ca_;
  std::filesystem::path ca_file_;
};

TEST_F(tls_handshake_test, verified_session_with_details_and_data_both_ways) {
  tls_test_server server(serving(good()));
  auto tls = handshake(server, "localhost", trusting_ca());
  ASSERT_TRUE(tls) << explain(tls.error());
  const tls_details* d = (*tls)->tls();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->verified);
  EXPECT_FALSE(d->pinned);
  EXPECT_EQ(d->version.substr(0, 5), "TLSv1");
  EXPECT_NE(d->subject.find("CN=pop3 test server"), std::string::npos) << d->subject;
  EXPECT_NE(d->issuer.find("pop3 test CA"), std::string::npos) << d->issuer;
  EXPECT_EQ(d->not_after.size(), 23u);  // "YYYY-MM-DD HH:MM:SS UTC"
  char buffer[64];
  auto n = (*tls)->read(buffer, steady_clock::now() + 5s);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buffer, *n), "+OK test server ready\r\n");
  ASSERT_TRUE((*tls)->write(std::string_view("QUIT\r\n"), steady_clock::now() + 5s));
  n = (*tls)->read(buffer, steady_clock::now() + 5s);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buffer, *n), "+OK bye\r\n");
  (*tls)->close();
  server.wait_until_done();
  EXPECT_EQ(server.client_sni(), "localhost");
  EXPECT_EQ(server.received_after_handshake(), "QUIT\r\n");
}

TEST_F(tls_handshake_test, ip_literal_is_checked_as_an_address_without_sni) {
  tls_test_server server(serving(good()));
  auto tls = handshake(server, "127.0.0.1", trusting_ca());
  ASSERT_TRUE(tls) << explain(tls.error());
  (*tls)->close();
  server.wait_until_done();
  EXPECT_EQ(server.client_sni(), "");
  tls_test_server other(serving(ca_.issue({{"localhost"}, {"127.0.0.2"}})));
  auto wrong_ip = handshake(other, "127.0.0.1", trusting_ca());
  ASSERT_FALSE(wrong_ip);
  EXPECT_EQ(wrong_ip.error().code, errc::certificate_rejected);
  EXPECT_EQ(wrong_ip.error().system_error, X509_V_ERR_IP_ADDRESS_MISMATCH);
}

// security-cases.md 17-19: each verdict, exactly.
TEST_F(tls_handshake_test, certificate_verdicts) {
  test_ca stranger("another CA");
  struct row {
    key_and_certificate identity;
    int verdict;
  };
  const std::vector<row> rows = {
      {ca_.issue({{"other.example.org"}, {}}), X509_V_ERR_HOSTNAME_MISMATCH},
      {ca_.issue({{"localhost"}, {}, "expired", -48h, -24h}), X509_V_ERR_CERT_HAS_EXPIRED},
      {ca_.issue({{"localhost"}, {}, "not yet valid", 24h, 48h}), X509_V_ERR_CERT_NOT_YET_VALID},
      {ca_.self_signed({{"localhost"}, {}}), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
      {stranger.issue({{"localhost"}, {}}), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
      {ca_.issue({{std::string("localhost\0.evil.example", 22)}, {}}),
       X509_V_ERR_HOSTNAME_MISMATCH},
  };
  for (const row& r : rows) {
    tls_test_server server(serving(r.identity));
    auto tls = handshake(server, "localhost", trusting_ca());
    ASSERT_FALSE(tls);
    EXPECT_EQ(tls.error().code, errc::certificate_rejected) << explain(tls.error());
    EXPECT_EQ(tls.error().system_error, r.verdict) << explain(tls.error());
    server.wait_until_done();
    EXPECT_EQ(server.received_after_handshake(), "");
  }
  // The system trust store (no --cafile) does not know the test CA.
  tls_test_server server(serving(good()));
  auto tls = handshake(server, "localhost", {});
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().system_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(explain(tls.error()),
            "the server's certificate was rejected: unable to get local issuer certificate");
}

// A wildcard stands for a whole label only (RFC 9525 section 6.3): "f*.example.org" names no
// host, while "*.example.org" names foo.example.org.
TEST_F(tls_handshake_test, partial_wildcards_match_nothing) {
  for (const auto& [pattern, accepted] :
       {std::pair{"f*.example.org", false}, std::pair{"*o.example.org", false},
        std::pair{"*.example.org", true}}) {
    SCOPED_TRACE(pattern);
    tls_test_server server(serving(ca_.issue({{pattern}, {}})));
    auto tls = handshake(server, "foo.example.org", trusting_ca());
    if (accepted) {
      EXPECT_TRUE(tls) << explain(tls.error());
    } else {
      ASSERT_FALSE(tls);
      EXPECT_EQ(tls.error().code, errc::certificate_rejected);
      EXPECT_EQ(tls.error().system_error, X509_V_ERR_HOSTNAME_MISMATCH);
    }
    if (tls) (*tls)->close();
    server.wait_until_done();
  }
}

// security-cases.md 25: the pin is the trust anchor.
TEST_F(tls_handshake_test, pins) {
  const key_and_certificate self = ca_.self_signed({{"localhost"}, {}});
  std::array<unsigned char, 32> certificate_digest{}, key_digest{};
  {
    tls_options insecure;
    insecure.verify = false;
    tls_test_server server(serving(self));
    auto tls = handshake(server, "localhost", insecure);
    ASSERT_TRUE(tls);
    EXPECT_FALSE((*tls)->tls()->verified);
    certificate_digest = (*tls)->tls()->certificate_sha256;
    key_digest = (*tls)->tls()->public_key_sha256;
  }
  for (const auto& digest : {certificate_digest, key_digest}) {
    tls_options pinned;
    pinned.pins.push_back(parse_certificate_pin("sha256:" + fingerprint_text(digest)).value());
    tls_test_server server(serving(self));
    auto tls = handshake(server, "localhost", pinned);
    ASSERT_TRUE(tls) << explain(tls.error());
    EXPECT_TRUE((*tls)->tls()->pinned);
    EXPECT_TRUE((*tls)->tls()->verified);
  }
  tls_options wrong = trusting_ca();
  certificate_pin other;
  other.sha256.fill(0xAB);
  wrong.pins.push_back(other);
  tls_test_server server(serving(good()));  // a certificate the CA would accept
  auto tls = handshake(server, "localhost", wrong);
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, errc::certificate_pin_mismatch);
}

TEST(certificate_pin, parsing) {
  const std::string hex = "sha256:00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
  auto pin = parse_certificate_pin(hex);
  ASSERT_TRUE(pin);
  EXPECT_EQ(pin->sha256[0], 0x00);
  EXPECT_EQ(pin->sha256[10], 0xaa);
  EXPECT_EQ(pin->sha256[31], 0xff);
  EXPECT_EQ(parse_certificate_pin("sha256:" + fingerprint_text(pin->sha256)).value(), *pin);
  auto b64 = parse_certificate_pin("sha256:ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=");
  ASSERT_TRUE(b64);
  EXPECT_EQ(*b64, *pin);
  for (std::string_view bad : {"00112233", "sha1:0011", "sha256:", "sha256:zz", "sha256:0011",
                               "sha256:ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8"})
    EXPECT_EQ(parse_certificate_pin(bad).error().code, errc::invalid_argument) << bad;
}

// security-cases.md 20: TLS 1.2 at least.
TEST_F(tls_handshake_test, tls_1_1_server_is_refused) {
  auto old = serving(good());
  old.min_protocol = TLS1_VERSION;
  old.max_protocol = TLS1_1_VERSION;
  tls_test_server server(old);
  auto tls = handshake(server, "localhost", trusting_ca());
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, errc::tls_handshake_failed) << explain(tls.error());
  server.wait_until_done();
  EXPECT_FALSE(server.handshake_succeeded());
}

// security-cases.md 23: a server that accepts and never finishes the handshake.
TEST_F(tls_handshake_test, handshake_deadline) {
  auto slow = serving(good());
  slow.handshake_delay = 3s;
  tls_test_server server(slow);
  tls_options o = trusting_ca();
  o.handshake_timeout = 200ms;
  auto tls = handshake(server, "localhost", o);
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, errc::timeout);
}

TEST_F(tls_handshake_test, unreadable_files_are_invalid_arguments) {
  tls_test_server server(serving(good()));
  tls_options o;
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(handshake(server, "localhost", o).error().code, errc::invalid_argument);
  tls_options client = trusting_ca();
  client.client_certificate_file = "/nonexistent/cert.pem";
  client.client_key_file = "/nonexistent/key.pem";
  EXPECT_EQ(handshake(server, "localhost", client).error().code, errc::invalid_argument);
}

// The client's end of a connection to a TLS 1.3 server that runs in this process over memory
// BIOs and, once the handshake is done, makes a KeyUpdate record for every read, up to
// `records` of them, then ends the stream: a connection that is never idle and never says
// anything, whatever the speed of the machine.
class never_idle_server final : public transport {
 public:
  never_idle_server(const key_and_certificate& identity, std::size_t records)
      : context_(SSL_CTX_new(TLS_server_method())), records_left_(records) {
    const x509_ptr certificate = certificate_from_pem(identity.certificate_pem);
    const evp_pkey_ptr key = private_key_from_pem(identity.key_pem);
    if (!context_ || SSL_CTX_use_certificate(context_.get(), certificate.get()) != 1 ||
        SSL_CTX_use_PrivateKey(context_.get(), key.get()) != 1)
      throw_openssl_error("server context");
    ssl_.reset(SSL_new(context_.get()));
    SSL_set_bio(ssl_.get(), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_accept_state(ssl_.get());
  }

  result<std::size_t> read(std::span<char> buffer, deadline) override {
    if (!SSL_is_init_finished(ssl_.get())) {
      (void)SSL_do_handshake(ssl_.get());
    } else if (BIO_ctrl_pending(SSL_get_wbio(ssl_.get())) == 0 && records_left_ > 0) {
      --records_left_;
      if (SSL_key_update(ssl_.get(), SSL_KEY_UPDATE_NOT_REQUESTED) != 1 ||
          SSL_do_handshake(ssl_.get()) != 1)
        throw_openssl_error("key update");
    }
    const int n = BIO_read(SSL_get_wbio(ssl_.get()), buffer.data(),
                           static_cast<int>(std::min<std::size_t>(buffer.size(), 1 << 20)));
    return n > 0 ? static_cast<std::size_t>(n) : std::size_t{0};
  }
  result<void> write(std::span<const char> data, deadline) override {
    BIO_write(SSL_get_rbio(ssl_.get()), data.data(), static_cast<int>(data.size()));
    return {};
  }
  void close() noexcept override {}

 private:
  ssl_ctx_ptr context_;
  ssl_ptr ssl_;
  std::size_t records_left_;
};

TEST_F(tls_handshake_test, a_read_ends_at_its_deadline_while_records_without_data_arrive) {
  // Without a check of the deadline between records, the read would go through all 200 000
  // records (seconds) and then return the end of the stream.
  auto tls = tls_handshake(std::make_unique<never_idle_server>(good(), 200'000), "localhost",
                           trusting_ca(), steady_clock::now() + 10s);
  ASSERT_TRUE(tls) << explain(tls.error());
  char buffer[64];
  const auto n = (*tls)->read(buffer, steady_clock::now() + 100ms);
  ASSERT_FALSE(n) << "read " << *n << " octets";
  EXPECT_EQ(n.error().code, errc::timeout);
}

TEST_F(tls_handshake_test, an_empty_server_name_or_one_with_a_nul_is_refused) {
  // OpenSSL would check no name at all for "", and only up to the NUL otherwise.
  for (const std::string_view name :
       {std::string_view(""), std::string_view("localhost\0.evil", 15)}) {
    auto tls = tls_handshake(std::make_unique<never_idle_server>(good(), 0), name, trusting_ca(),
                             steady_clock::now() + 10s);
    ASSERT_FALSE(tls);
    EXPECT_EQ(tls.error().code, errc::invalid_argument);
  }
}

}  // namespace
}  // namespace pop3::test
