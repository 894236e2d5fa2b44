// asio_tls_session against the OpenSSL test server of tests/support (not against itself):
// verification is on by default, a certificate for another name or from an unknown issuer
// ends the session before any POP3 command, and a verified session may log in.
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>
#include <pop3/asio.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/test_certificates.hpp"
#include "support/tls_test_server.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

/// A CA whose certificate is in a file for make_asio_tls_context(), removed afterwards.
class trusted_ca {
 public:
  trusted_ca()
      : file_(std::filesystem::temp_directory_path() /
              ("pop3-asio-ca-" + std::to_string(::getpid()) + "-" + std::to_string(++made_) +
               ".pem")) {
    ca_.write_ca_pem(file_);
  }
  ~trusted_ca() { std::filesystem::remove(file_); }
  trusted_ca(const trusted_ca&) = delete;
  trusted_ca& operator=(const trusted_ca&) = delete;

  const test_ca& ca() const { return ca_; }
  std::string file() const { return file_.string(); }

 private:
  static inline int made_ = 0;  // tests in one process run one after the other
  test_ca ca_;
  std::filesystem::path file_;
};

/// Connects (and, if that works, logs in, STATs and QUITs) to a POP3S test server, all on
/// this thread. Returns the first error, or nothing if everything succeeded.
std::optional<error> session_against(tls_test_server& server, const std::string& ca_file,
                                     const std::string& host) {
  asio::io_context io;
  auto tls = make_asio_tls_context(ca_file);
  if (!tls) return tls.error();
  asio_tls_session s({}, io, *tls);
  std::optional<error> failed;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await s.connect(host, server.port()); !r) {
          failed = r.error();
          co_return;
        }
        if (auto r = co_await s.login("alice", "pw"); !r) {
          failed = r.error();
          co_return;
        }
        auto st = co_await s.stat();
        if (!st) {
          failed = st.error();
          co_return;
        }
        EXPECT_EQ(st->count, 1u);
        EXPECT_EQ(st->octets, 10u);
        if (auto r = co_await s.quit(); !r) failed = r.error();
      },
      [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
      });
  io.run_for(20s);
  EXPECT_TRUE(io.stopped());
  EXPECT_TRUE(server.wait_until_done());
  return failed;
}

/// A certificate naming these DNS names and IP addresses.
certificate_spec naming(std::vector<std::string> dns_names,
                        std::vector<std::string> addresses = {}) {
  certificate_spec spec;
  spec.dns_names = std::move(dns_names);
  spec.ip_addresses = std::move(addresses);
  return spec;
}

tls_test_server_options pop3s_with(const key_and_certificate& identity) {
  tls_test_server_options o;
  o.identity = identity;
  o.start = tls_start::implicit;
  o.script_after_tls = {
      {"USER alice", "+OK\r\n", {}}, {"PASS pw", "+OK\r\n", {}}, {"STAT", "+OK 1 10\r\n", {}}};
  return o;
}

TEST(asio_tls, verified_session_logs_in_without_cleartext_permission) {
  trusted_ca ca;
  tls_test_server server(pop3s_with(ca.ca().issue(naming({"localhost"}))));
  EXPECT_EQ(session_against(server, ca.file(), "localhost"), std::nullopt);
  EXPECT_TRUE(server.handshake_succeeded());
  EXPECT_EQ(server.client_sni(), "localhost");
  EXPECT_EQ(server.received_after_handshake(), "USER alice\r\nPASS pw\r\nSTAT\r\nQUIT\r\n");
}

TEST(asio_tls, ip_literal_is_checked_against_the_certificate_addresses) {
  trusted_ca ca;
  tls_test_server server(pop3s_with(ca.ca().issue(naming({}, {"127.0.0.1"}))));
  EXPECT_EQ(session_against(server, ca.file(), "127.0.0.1"), std::nullopt);
  EXPECT_EQ(server.client_sni(), "");  // no SNI for an address (RFC 6066)
}

TEST(asio_tls, certificate_for_another_host_name_is_rejected) {
  trusted_ca ca;
  tls_test_server server(pop3s_with(ca.ca().issue(naming({"other.example"}))));
  EXPECT_EQ(session_against(server, ca.file(), "localhost"),
            error(errc::certificate_rejected, command_kind::none, resp_code::none,
                  X509_V_ERR_HOSTNAME_MISMATCH));
  EXPECT_EQ(server.received_after_handshake(), "");  // not even the user name
}

TEST(asio_tls, certificate_for_another_address_is_rejected) {
  trusted_ca ca;
  tls_test_server server(pop3s_with(ca.ca().issue(naming({}, {"127.0.0.2"}))));
  EXPECT_EQ(session_against(server, ca.file(), "127.0.0.1"),
            error(errc::certificate_rejected, command_kind::none, resp_code::none,
                  X509_V_ERR_IP_ADDRESS_MISMATCH));
  EXPECT_EQ(server.received_after_handshake(), "");
}

TEST(asio_tls, certificate_from_an_unknown_issuer_is_rejected) {
  trusted_ca ca;
  const test_ca stranger("someone else's CA");
  tls_test_server server(pop3s_with(stranger.issue(naming({"localhost"}))));
  EXPECT_EQ(session_against(server, ca.file(), "localhost"),
            error(errc::certificate_rejected, command_kind::none, resp_code::none,
                  X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
  EXPECT_EQ(server.received_after_handshake(), "");
}

TEST(asio_tls, a_host_name_that_is_empty_or_holds_a_nul_is_refused) {
  // OpenSSL would check no name for "", and only "localhost" for "localhost\0.evil".
  asio::ssl::context context(asio::ssl::context::tls_client);
  for (const std::string_view name :
       {std::string_view(""), std::string_view("localhost\0.evil", 15)}) {
    SSL* ssl = SSL_new(context.native_handle());
    ASSERT_NE(ssl, nullptr);
    EXPECT_FALSE(detail::expect_tls_host(ssl, name));
    SSL_free(ssl);
  }
  SSL* ssl = SSL_new(context.native_handle());
  EXPECT_TRUE(detail::expect_tls_host(ssl, "localhost"));
  SSL_free(ssl);
}

TEST(asio_tls, unreadable_ca_file_is_invalid_argument) {
  auto tls = make_asio_tls_context("/nonexistent/ca.pem");
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace pop3::test
