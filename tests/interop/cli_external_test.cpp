// SASL EXTERNAL end to end: the pop3 program presents a client certificate (--cert/--key) in
// the TLS handshake and logs in with "AUTH EXTERNAL =", against a TLS server in plain OpenSSL
// that asks for and verifies the certificate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "run_process.hpp"
#include "support/test_certificates.hpp"
#include "support/tls_test_server.hpp"

namespace pop3::test {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

TEST(cli_external, client_certificate_login) {
  test_ca ca;
  const fs::path dir = fs::temp_directory_path() / ("pop3-external-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ca.write_ca_pem(dir / "ca.pem");
  const key_and_certificate client = ca.issue({{"client.example.org"}, {}, "alice"});
  write(dir / "client.pem", client.certificate_pem);
  write(dir / "client.key", client.key_pem);

  tls_test_server_options o;
  o.identity = ca.issue({{"localhost"}, {"127.0.0.1"}});
  o.client_ca_pem = ca.ca().certificate_pem;
  o.capabilities_after_tls = {"SASL EXTERNAL PLAIN", "USER"};
  o.script_after_tls = {{"AUTH EXTERNAL =", "+OK welcome, certificate holder\r\n", {}},
                        {"STAT", "+OK 0 0\r\n", {}}};
  tls_test_server server(o);
  auto r = run_process(
      {POP3_CLI_PATH, "stat", "-v", "--auth", "external", "--cert", (dir / "client.pem").string(),
       "--key", (dir / "client.key").string(), "--cafile", (dir / "ca.pem").string(),
       "pop3s://localhost:" + std::to_string(server.port())},
      {{"POP3_PASSWORD", "\x01unset"}});
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0 messages, 0 octets\n");
  EXPECT_NE(r.err.find("* logged in with external\n"), std::string::npos) << r.err;
  const tls_connection_record record = server.record();
  EXPECT_TRUE(record.client_certificate_verified);
  EXPECT_NE(record.client_certificate_subject.find("alice"), std::string::npos)
      << record.client_certificate_subject;
  EXPECT_EQ(record.received_after_handshake, "CAPA\r\nAUTH EXTERNAL =\r\nSTAT\r\nQUIT\r\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pop3::test
