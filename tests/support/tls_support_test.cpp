// Proves the TLS test infrastructure (test_certificates, tls_test_server, tls_test_client) with
// plain OpenSSL, so that tests of the project's TLS client can trust what it reports: each bad
// certificate is rejected for its own reason, the TLS 1.1 server really speaks only TLS 1.1,
// and the STLS and injection modes put on the wire exactly what they promise.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "support/openssl_handles.hpp"
#include "support/test_certificates.hpp"
#include "support/tls_test_client.hpp"
#include "support/tls_test_server.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::string embedded_nul_name("localhost\0.evil.example", 23);

// One CA for the whole program: making certificates is cheap, but sharing it also checks that
// a test_ca can issue many certificates.
const test_ca& ca() {
  static const test_ca instance;
  return instance;
}

certificate_spec localhost_spec() {
  certificate_spec spec;
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  return spec;
}

bool has_ipv6_loopback() {
  std::ifstream in("/proc/net/if_inet6");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("00000000000000000000000000000001 ", 0) == 0) return true;
  }
  return false;
}

// Chain and name verification without a connection, as SSL_connect would do it for a server
// (purpose sslserver). Returns the X509_V_ERR code.
int verify_offline(const std::string& certificate_pem, const std::string& trusted_pem,
                   const std::string& name) {
  const x509_ptr certificate = certificate_from_pem(certificate_pem);
  const std::unique_ptr<X509_STORE, openssl_deleter<X509_STORE_free>> store(X509_STORE_new());
  for (const x509_ptr& trusted : certificates_from_pem(trusted_pem))
    X509_STORE_add_cert(store.get(), trusted.get());
  const std::unique_ptr<X509_STORE_CTX, openssl_deleter<X509_STORE_CTX_free>> context(
      X509_STORE_CTX_new());
  X509_STORE_CTX_init(context.get(), store.get(), certificate.get(), nullptr);
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  }
  X509_verify_cert(context.get());
  return X509_STORE_CTX_get_error(context.get());
}

struct handshake_outcome {
  bool client_ok = false;
  long verify_result = X509_V_OK;
  std::string client_error;
  tls_connection_record server;
};

// Serves IDENTITY over implicit TLS and connects once with OPTIONS; the client closes right
// after the handshake.
handshake_outcome handshake_with(const key_and_certificate& identity,
                                 const tls_client_options& options,
                                 const std::string& address = "127.0.0.1") {
  tls_test_server_options server_options;
  server_options.identity = identity;
  server_options.also_ipv6 = address == "::1";
  tls_test_server server(server_options);
  handshake_outcome outcome;
  {
    tls_test_client client(address, server.port());
    outcome.client_ok = client.start_tls(options);
    outcome.verify_result = client.verify_result();
    outcome.client_error = client.error();
  }
  EXPECT_TRUE(server.wait_until_done());
  outcome.server = server.record();
  return outcome;
}

tls_client_options trusting_ca(std::string verify_name) {
  tls_client_options options;
  options.ca_pem = ca().ca().certificate_pem;
  options.verify_name = std::move(verify_name);
  return options;
}

// ---- certificates, checked offline ----

TEST(test_certificates, ca_and_leaf_carry_the_extensions_chain_building_relies_on) {
  const x509_ptr authority = certificate_from_pem(ca().ca().certificate_pem);
  const x509_ptr leaf = certificate_from_pem(ca().issue(localhost_spec()).certificate_pem);
  EXPECT_EQ(X509_check_ca(authority.get()), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(X509_check_issued(authority.get(), leaf.get()), X509_V_OK);
  EXPECT_NE(X509_get_extension_flags(authority.get()) & EXFLAG_SS, 0u);
  EXPECT_EQ(X509_get_extension_flags(leaf.get()) & EXFLAG_SS, 0u);
  ASSERT_NE(X509_get0_authority_key_id(leaf.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf.get()),
                                  X509_get0_subject_key_id(authority.get())),
            0);
  EXPECT_NE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE, 0u);
  EXPECT_NE(X509_get_key_usage(authority.get()) & KU_KEY_CERT_SIGN, 0u);
}

TEST(test_certificates, good_certificate_verifies_for_its_names_only) {
  const std::string leaf = ca().issue(localhost_spec()).certificate_pem;
  const std::string trusted = ca().ca().certificate_pem;
  EXPECT_EQ(verify_offline(leaf, trusted, "localhost"), X509_V_OK);
  EXPECT_EQ(verify_offline(leaf, trusted, "LOCALHOST"), X509_V_OK);
  EXPECT_EQ(verify_offline(leaf, trusted, "127.0.0.1"), X509_V_OK);
  EXPECT_EQ(verify_offline(leaf, trusted, "::1"), X509_V_OK);
  EXPECT_EQ(verify_offline(leaf, trusted, "other.example.org"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify_offline(leaf, trusted, "127.0.0.2"), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(test_certificates, validity_offsets_are_relative_to_now) {
  certificate_spec spec = localhost_spec();
  spec.not_before_offset = -2h;
  spec.not_after_offset = 3h;
  const x509_ptr certificate = certificate_from_pem(ca().issue(spec).certificate_pem);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notBefore(certificate.get())), 1);
  EXPECT_NEAR(days * 86400 + seconds, -7200, 60);
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate.get())), 1);
  EXPECT_NEAR(days * 86400 + seconds, 10800, 60);
}

TEST(test_certificates, embedded_nul_is_inside_the_ia5string) {
  certificate_spec spec;
  spec.dns_names = {embedded_nul_name};
  const key_and_certificate issued = ca().issue(spec);
  const x509_ptr certificate = certificate_from_pem(issued.certificate_pem);
  const general_names_ptr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate.get(), NID_subject_alt_name, nullptr, nullptr)));
  ASSERT_TRUE(names);
  ASSERT_EQ(sk_GENERAL_NAME_num(names.get()), 1);
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), 0);
  ASSERT_EQ(name->type, GEN_DNS);
  const ASN1_IA5STRING* dns = name->d.dNSName;
  const auto* bytes = reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns));
  EXPECT_EQ(std::string(bytes, static_cast<std::size_t>(ASN1_STRING_length(dns))),
            embedded_nul_name);
  // The bug the test certificate exists for: a C-string compare sees only "localhost".
  EXPECT_EQ(std::strcmp(bytes, "localhost"), 0);
  // OpenSSL compares the whole string and refuses names with a NUL.
  EXPECT_EQ(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr), 0);
  EXPECT_EQ(verify_offline(issued.certificate_pem, ca().ca().certificate_pem, "localhost"),
            X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST(test_certificates, embedded_nul_in_common_name_is_refused_too) {
  certificate_spec spec;
  spec.common_name = embedded_nul_name;  // no SAN: verifiers fall back to the CN
  const key_and_certificate issued = ca().issue(spec);
  const x509_ptr certificate = certificate_from_pem(issued.certificate_pem);
  char common_name[64] = {};
  ASSERT_EQ(X509_NAME_get_text_by_NID(X509_get_subject_name(certificate.get()), NID_commonName,
                                      common_name, sizeof common_name),
            static_cast<int>(embedded_nul_name.size()));
  EXPECT_EQ(std::strcmp(common_name, "localhost"), 0);
  EXPECT_EQ(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr), 0);
  EXPECT_EQ(verify_offline(issued.certificate_pem, ca().ca().certificate_pem, "localhost"),
            X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST(test_certificates, hostile_common_names_are_stored_byte_for_byte) {
  certificate_spec spec = localhost_spec();
  spec.common_name = std::string(10000, 'A') + "\x1b[31m\xff\x80";
  const x509_ptr certificate = certificate_from_pem(ca().issue(spec).certificate_pem);
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(X509_get_subject_name(certificate.get()), 0);
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                        static_cast<std::size_t>(ASN1_STRING_length(data))),
            spec.common_name);
}

TEST(test_certificates, unparsable_ip_address_throws) {
  certificate_spec spec;
  spec.ip_addresses = {"localhost"};
  EXPECT_THROW(ca().issue(spec), std::runtime_error);
}

TEST(test_certificates, write_ca_pem_writes_the_ca_certificate) {
  const std::string path = ::testing::TempDir() + "tls_support_ca.pem";
  ca().write_ca_pem(path);
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), ca().ca().certificate_pem);
  std::remove(path.c_str());
}

// ---- the same certificates through a real handshake ----

TEST(tls_test_server, good_certificate_verifies_by_host_name_and_ip_address) {
  const key_and_certificate identity = ca().issue(localhost_spec());
  for (const char* name : {"localhost", "127.0.0.1"}) {
    SCOPED_TRACE(name);
    const handshake_outcome outcome = handshake_with(identity, trusting_ca(name));
    EXPECT_TRUE(outcome.client_ok) << outcome.client_error;
    EXPECT_EQ(outcome.verify_result, X509_V_OK);
    EXPECT_TRUE(outcome.server.handshake_succeeded) << outcome.server.handshake_error;
    EXPECT_EQ(outcome.server.protocol_version, "TLSv1.3");
  }
}

TEST(tls_test_server, ipv6_listener_serves_the_same_certificate) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  const handshake_outcome outcome =
      handshake_with(ca().issue(localhost_spec()), trusting_ca("::1"), "::1");
  EXPECT_TRUE(outcome.client_ok) << outcome.client_error;
  EXPECT_TRUE(outcome.server.handshake_succeeded);
}

struct bad_certificate_case {
  const char* name;
  certificate_spec spec;
  long expected;
};

TEST(tls_test_server, bad_certificates_fail_verification_for_their_own_reason) {
  certificate_spec wrong_name = localhost_spec();
  wrong_name.dns_names = {"other.example.org"};
  wrong_name.ip_addresses = {};
  certificate_spec expired = localhost_spec();
  expired.not_before_offset = -std::chrono::hours(48);
  expired.not_after_offset = -std::chrono::hours(24);
  certificate_spec not_yet_valid = localhost_spec();
  not_yet_valid.not_before_offset = std::chrono::hours(24);
  not_yet_valid.not_after_offset = std::chrono::hours(48);
  certificate_spec self_signed = localhost_spec();
  self_signed.self_signed = true;
  certificate_spec embedded_nul;
  embedded_nul.dns_names = {embedded_nul_name};

  const bad_certificate_case cases[] = {
      {"wrong name", wrong_name, X509_V_ERR_HOSTNAME_MISMATCH},
      {"expired", expired, X509_V_ERR_CERT_HAS_EXPIRED},
      {"not yet valid", not_yet_valid, X509_V_ERR_CERT_NOT_YET_VALID},
      {"self-signed", self_signed, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
      {"embedded NUL", embedded_nul, X509_V_ERR_HOSTNAME_MISMATCH},
  };
  for (const bad_certificate_case& c : cases) {
    SCOPED_TRACE(c.name);
    const key_and_certificate identity = ca().issue(c.spec);
    EXPECT_EQ(verify_offline(identity.certificate_pem, ca().ca().certificate_pem, "localhost"),
              c.expected);
    const handshake_outcome outcome = handshake_with(identity, trusting_ca("localhost"));
    EXPECT_FALSE(outcome.client_ok);
    EXPECT_EQ(outcome.verify_result, c.expected) << X509_verify_cert_error_string(c.expected);
    EXPECT_NE(outcome.client_error.find("certificate verify failed"), std::string::npos)
        << outcome.client_error;
    EXPECT_FALSE(outcome.server.handshake_succeeded);
    EXPECT_EQ(outcome.server.received_after_handshake, "");
  }
}

TEST(tls_test_server, wrong_ip_address_fails_with_ip_mismatch) {
  certificate_spec spec;
  spec.ip_addresses = {"127.0.0.2"};
  const handshake_outcome outcome = handshake_with(ca().issue(spec), trusting_ca("127.0.0.1"));
  EXPECT_FALSE(outcome.client_ok);
  EXPECT_EQ(outcome.verify_result, X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(tls_test_server, certificate_from_another_ca_is_unknown) {
  const test_ca other("another CA");
  const handshake_outcome outcome =
      handshake_with(other.issue(localhost_spec()), trusting_ca("localhost"));
  EXPECT_FALSE(outcome.client_ok);
  EXPECT_EQ(outcome.verify_result, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST(tls_test_server, self_signed_certificate_passes_when_trusted_itself) {
  const key_and_certificate identity = ca().self_signed(localhost_spec());
  tls_client_options options;
  options.ca_pem = identity.certificate_pem;
  options.verify_name = "localhost";
  const handshake_outcome outcome = handshake_with(identity, options);
  EXPECT_TRUE(outcome.client_ok) << outcome.client_error;
  EXPECT_EQ(outcome.verify_result, X509_V_OK);
}

// ---- protocol versions, SNI, client certificates ----

TEST(tls_test_server, tls11_only_server_speaks_tls11_and_refuses_a_tls12_minimum) {
  tls_test_server_options server_options;
  server_options.identity = ca().issue(localhost_spec());
  server_options.min_protocol = TLS1_1_VERSION;
  server_options.max_protocol = TLS1_1_VERSION;
  server_options.connections = 2;
  tls_test_server server(server_options);
  {
    // A client that would take anything from TLS 1.0 to 1.3 gets TLS 1.1.
    tls_test_client client("127.0.0.1", server.port());
    tls_client_options options = trusting_ca("localhost");
    options.min_protocol = TLS1_VERSION;
    options.legacy_security_level = true;
    ASSERT_TRUE(client.start_tls(options)) << client.error();
    EXPECT_EQ(client.protocol_version(), "TLSv1.1");
    EXPECT_EQ(client.read_line(), "+OK test server ready");
  }
  {
    tls_test_client client("127.0.0.1", server.port());
    EXPECT_FALSE(client.start_tls(trusting_ca("localhost")));
    EXPECT_NE(client.error().find("protocol version"), std::string::npos) << client.error();
  }
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_TRUE(server.handshake_succeeded(0));
  EXPECT_EQ(server.record(0).protocol_version, "TLSv1.1");
  EXPECT_FALSE(server.handshake_succeeded(1));
  EXPECT_NE(server.record(1).handshake_error.find("unsupported protocol"), std::string::npos)
      << server.record(1).handshake_error;
}

TEST(tls_test_server, records_the_sni_and_its_absence) {
  tls_test_server_options server_options;
  server_options.identity = ca().issue(localhost_spec());
  server_options.connections = 2;
  tls_test_server server(server_options);
  {
    tls_test_client client("127.0.0.1", server.port());
    tls_client_options options = trusting_ca("localhost");
    options.sni = "localhost";
    ASSERT_TRUE(client.start_tls(options)) << client.error();
  }
  {
    tls_test_client client("127.0.0.1", server.port());
    ASSERT_TRUE(client.start_tls(trusting_ca("127.0.0.1"))) << client.error();
  }
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(server.client_sni(0), "localhost");
  EXPECT_EQ(server.client_sni(1), "");
}

TEST(tls_test_server, sni_is_recorded_even_when_the_client_rejects_the_certificate) {
  certificate_spec spec;
  spec.dns_names = {"other.example.org"};
  tls_client_options options = trusting_ca("pop.example.org");
  options.sni = "pop.example.org";
  const handshake_outcome outcome = handshake_with(ca().issue(spec), options);
  EXPECT_FALSE(outcome.client_ok);
  EXPECT_EQ(outcome.server.client_sni, "pop.example.org");
  EXPECT_TRUE(outcome.server.handshake_attempted);
  EXPECT_FALSE(outcome.server.handshake_succeeded);
}

TEST(tls_test_server, verifies_and_records_a_client_certificate) {
  tls_test_server_options server_options;
  server_options.identity = ca().issue(localhost_spec());
  server_options.client_ca_pem = ca().ca().certificate_pem;
  tls_test_server server(server_options);
  {
    tls_test_client client("127.0.0.1", server.port());
    tls_client_options options = trusting_ca("localhost");
    certificate_spec client_spec;
    client_spec.common_name = "alice";
    options.identity = ca().issue(client_spec);
    ASSERT_TRUE(client.start_tls(options)) << client.error();
    EXPECT_EQ(client.read_line(), "+OK test server ready");
    EXPECT_EQ(client.command("QUIT"), "+OK bye");
  }
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(server.record().client_certificate_subject, "CN = alice");
  EXPECT_TRUE(server.record().client_certificate_verified);
}

// ---- the POP3 dialogue ----

TEST(tls_test_server, implicit_tls_greets_after_the_handshake_and_follows_the_script) {
  tls_test_server_options server_options;
  server_options.identity = ca().issue(localhost_spec());
  server_options.capabilities_after_tls = {"USER", "SASL SCRAM-SHA-256"};
  server_options.script_after_tls = {
      {"USER alice", "+OK\r\n", {}},
      {"PASS *", "", [](const std::string& line) { return "+OK got " + line.substr(5) + "\r\n"; }},
  };
  tls_test_server server(server_options);
  {
    tls_test_client client("127.0.0.1", server.port());
    ASSERT_TRUE(client.start_tls(trusting_ca("localhost"))) << client.error();
    EXPECT_EQ(client.read_line(), "+OK test server ready");
    EXPECT_EQ(client.command("CAPA"), "+OK Capability list follows");
    EXPECT_EQ(client.read_multiline(), "USER\r\nSASL SCRAM-SHA-256");
    EXPECT_EQ(client.command("STAT"), "-ERR unexpected command");
    EXPECT_EQ(client.command("USER alice"), "+OK");
    EXPECT_EQ(client.command("PASS se cret"), "+OK got se cret");
    EXPECT_EQ(client.command("QUIT"), "+OK bye");
  }
  ASSERT_TRUE(server.wait_until_done());
  const tls_connection_record record = server.record();
  EXPECT_EQ(record.received_after_handshake,
            "CAPA\r\nSTAT\r\nUSER alice\r\nPASS se cret\r\nQUIT\r\n");
  EXPECT_EQ(record.plaintext_received, "");
  EXPECT_EQ(record.end, "quit");
}

TEST(tls_test_server, stls_upgrades_and_keeps_the_two_phases_apart) {
  tls_test_server_options server_options;
  server_options.identity = ca().issue(localhost_spec());
  server_options.start = tls_start::stls;
  server_options.capabilities_before_tls = {"STLS", "USER", "SASL PLAIN LOGIN"};
  server_options.capabilities_after_tls = {"SASL SCRAM-SHA-256"};
  server_options.script_after_tls = {{"AUTH SCRAM-SHA-256 *", "+ c2VydmVyLWZpcnN0\r\n", {}},
                                     {"*", "-ERR [AUTH] no\r\n", {}}};
  tls_test_server server(server_options);
  {
    tls_test_client client("127.0.0.1", server.port());
    EXPECT_EQ(client.read_line(), "+OK test server ready");
    EXPECT_EQ(client.command("CAPA"), "+OK Capability list follows");
    EXPECT_EQ(client.read_multiline(), "STLS\r\nUSER\r\nSASL PLAIN LOGIN");
    EXPECT_EQ(client.command("STLS"), "+OK Begin TLS");
    EXPECT_EQ(client.buffered(), "");
    tls_client_options options = trusting_ca("localhost");
    options.sni = "localhost";
    ASSERT_TRUE(client.start_tls(options)) << client.error();
    EXPECT_EQ(client.command("CAPA"), "+OK Capability list follows");
    EXPECT_EQ(client.read_multiline(), "SASL SCRAM-SHA-256");
    EXPECT_EQ(client.command("AUTH SCRAM-SHA-256 bi==="), "+ c2VydmVyLWZpcnN0");
    EXPECT_EQ(client.command("Yw=="), "-ERR [AUTH] no");
  }
  ASSERT_TRUE(server.wait_until_done());
  const tls_connection_record record = server.record();
  EXPECT_EQ(record.plaintext_received, "CAPA\r\nSTLS\r\n");
  EXPECT_TRUE(record.handshake_succeeded);
  EXPECT_EQ(record.client_sni, "localhost");
  EXPECT_EQ(record.received_after_handshake, "CAPA\r\nAUTH SCRAM-SHA-256 bi===\r\nYw==\r\n");
  EXPECT_EQ(record.end, "closed");
}

TEST(tls_test_server, refused_stls_keeps_the_dialogue_in_plaintext) {
  tls_test_server_options server_options;
  server_options.identity = ca().issue(localhost_spec());
  server_options.start = tls_start::stls;
  server_options.stls_reply = "-ERR [SYS/PERM] not now\r\n";
  server_options.script_before_tls = {{"CAPA", "-ERR no capabilities\r\n", {}}};
  tls_test_server server(server_options);
  {
    tls_test_client client("127.0.0.1", server.port());
    EXPECT_EQ(client.read_line(), "+OK test server ready");
    EXPECT_EQ(client.command("CAPA"), "-ERR no capabilities");
    EXPECT_EQ(client.command("STLS"), "-ERR [SYS/PERM] not now");
    EXPECT_EQ(client.command("QUIT"), "+OK bye");
  }
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_FALSE(server.record().handshake_attempted);
  EXPECT_EQ(server.plaintext_received(), "CAPA\r\nSTLS\r\nQUIT\r\n");
  EXPECT_EQ(server.record().end, "quit");
}

// Plaintext bytes until SIZE have arrived (or 5 s passed).
std::string collect_until(tls_test_client& client, std::size_t size) {
  const auto deadline = clock_type::now() + 5s;
  while (client.buffered().size() < size && clock_type::now() < deadline)
    client.collect_for(10ms);
  return client.buffered();
}

tls_test_server_options injecting(injection_timing timing) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  options.start = tls_start::stls;
  options.injection = "+OK\r\nSASL PLAIN\r\n.\r\n";
  options.timing = timing;
  return options;
}

TEST(tls_test_server, injection_in_the_same_segment_arrives_with_the_stls_reply) {
  tls_test_server server(injecting(injection_timing::same_segment));
  tls_test_client client("127.0.0.1", server.port());
  EXPECT_EQ(client.read_line(), "+OK test server ready");
  EXPECT_EQ(client.command("STLS"), "+OK Begin TLS");
  // One recv() took the reply and the injection together.
  EXPECT_EQ(client.buffered(), "+OK\r\nSASL PLAIN\r\n.\r\n");
}

TEST(tls_test_server, injection_byte_by_byte_trickles_in) {
  const tls_test_server_options options = injecting(injection_timing::byte_by_byte);
  tls_test_server server(options);
  tls_test_client client("127.0.0.1", server.port());
  EXPECT_EQ(client.read_line(), "+OK test server ready");
  EXPECT_EQ(client.command("STLS"), "+OK Begin TLS");
  // 10 ms between bytes: after 40 ms at most five of the 20 bytes can be there.
  EXPECT_LE(client.collect_for(40ms).size(), 5u);
  EXPECT_EQ(collect_until(client, options.injection.size()), options.injection);
}

TEST(tls_test_server, delayed_injection_comes_after_a_quiet_gap) {
  tls_test_server_options options = injecting(injection_timing::delayed);
  options.injection_delay = 150ms;
  tls_test_server server(options);
  tls_test_client client("127.0.0.1", server.port());
  EXPECT_EQ(client.read_line(), "+OK test server ready");
  const auto sent = clock_type::now();
  EXPECT_EQ(client.command("STLS"), "+OK Begin TLS");
  EXPECT_EQ(client.collect_for(50ms), "");
  EXPECT_EQ(collect_until(client, options.injection.size()), options.injection);
  EXPECT_GE(clock_type::now() - sent, 150ms);
}

TEST(tls_test_server, delayed_injection_breaks_a_handshake_already_under_way) {
  tls_test_server_options options = injecting(injection_timing::delayed);
  options.injection_delay = 100ms;
  tls_test_server server(options);
  {
    tls_test_client client("127.0.0.1", server.port());
    EXPECT_EQ(client.read_line(), "+OK test server ready");
    EXPECT_EQ(client.command("STLS"), "+OK Begin TLS");
    // The ClientHello goes out at once; the server injects before answering it, so the
    // client's TLS layer reads the forged reply as a TLS record.
    EXPECT_FALSE(client.start_tls(trusting_ca("localhost")));
    EXPECT_NE(client.error().find("wrong version number"), std::string::npos) << client.error();
  }
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_TRUE(server.record().handshake_attempted);
  EXPECT_FALSE(server.handshake_succeeded());
}

TEST(tls_test_server, plaintext_after_stls_is_recorded_instead_of_a_handshake) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  options.start = tls_start::stls;
  tls_test_server server(options);
  {
    tls_test_client client("127.0.0.1", server.port());
    EXPECT_EQ(client.read_line(), "+OK test server ready");
    // A client that pipelines its credentials behind STLS (CVE-2020-29548's counterpart).
    client.send("STLS\r\nUSER alice\r\n");
    EXPECT_EQ(client.read_line(), "+OK Begin TLS");
  }
  ASSERT_TRUE(server.wait_until_done());
  const tls_connection_record record = server.record();
  EXPECT_EQ(record.plaintext_received, "STLS\r\nUSER alice\r\n");
  EXPECT_FALSE(record.handshake_attempted);
  EXPECT_EQ(record.end, "plaintext instead of a TLS handshake after STLS");
}

// ---- robustness ----

TEST(tls_test_server, stalled_handshake_is_answered_late) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  options.handshake_delay = 300ms;
  tls_test_server server(options);
  tls_test_client client("127.0.0.1", server.port());
  const auto start = clock_type::now();
  ASSERT_TRUE(client.start_tls(trusting_ca("localhost"))) << client.error();
  EXPECT_GE(clock_type::now() - start, 300ms);
}

TEST(tls_test_server, silent_client_times_out_on_the_server) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  options.start = tls_start::stls;
  options.read_timeout = 200ms;
  tls_test_server server(options);
  tls_test_client client("127.0.0.1", server.port());
  EXPECT_EQ(client.read_line(), "+OK test server ready");
  ASSERT_TRUE(server.wait_until_done(3s));
  EXPECT_EQ(server.record().end, "timeout");
}

TEST(tls_test_server, handshake_timeout_is_recorded) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  options.read_timeout = 200ms;
  tls_test_server server(options);
  tls_test_client client("127.0.0.1", server.port());
  client.send("\x16\x03\x01");  // the start of a record, never finished
  ASSERT_TRUE(server.wait_until_done(3s));
  EXPECT_EQ(server.record().handshake_error, "timeout");
}

TEST(tls_test_server, destructor_returns_promptly_without_a_client_and_mid_connection) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  auto start = clock_type::now();
  { tls_test_server server(options); }
  EXPECT_LT(clock_type::now() - start, 1s);

  options.start = tls_start::stls;
  auto server = std::make_unique<tls_test_server>(options);
  tls_test_client client("127.0.0.1", server->port());
  EXPECT_EQ(client.read_line(), "+OK test server ready");
  start = clock_type::now();
  server.reset();
  EXPECT_LT(clock_type::now() - start, 1s);
  EXPECT_FALSE(server);
}

TEST(tls_test_server, unused_connections_leave_default_records) {
  tls_test_server_options options;
  options.identity = ca().issue(localhost_spec());
  tls_test_server server(options);
  EXPECT_FALSE(server.wait_until_done(50ms));
  EXPECT_EQ(server.connections_accepted(), 0u);
  EXPECT_FALSE(server.record(3).handshake_attempted);
}

}  // namespace
}  // namespace pop3::test
