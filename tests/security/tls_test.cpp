// security-cases.md section 2 (TLS), end to end: the TLS mode each URL means, the certificate
// checks (every flaw rejected before any POP3 command goes over TLS), the TLS 1.2 floor, SNI,
// no cleartext retry, the handshake deadline, certificate text, and pins.
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <fstream>

#include "pop3/connect.hpp"
#include "pop3/tcp_transport.hpp"
#include "security_fixture.hpp"
#include "support/openssl_handles.hpp"
#include "support/tls_test_client.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

bool has_ipv6_loopback() {
  std::ifstream in("/proc/net/if_inet6");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("00000000000000000000000000000001 ", 0) == 0) return true;
  return false;
}

// The server for a certificate test: IDENTITY over implicit TLS or after STLS.
tls_test_server_options serving(const key_and_certificate& identity, tls_start start) {
  tls_test_server_options options = start == tls_start::stls ? stls_server() : pop3s_server();
  options.identity = identity;
  return options;
}

std::string url_for(tls_start start, std::uint16_t port, const std::string& host) {
  return start == tls_start::stls ? pop3_url(port, host) : pop3s_url(port, host);
}

// Neither a POP3 command after the handshake nor (after STLS) anything but CAPA and STLS
// before it.
void expect_nothing_over_tls(const tls_run& run, tls_start start) {
  EXPECT_EQ(run.server.received_after_handshake, "");
  if (start == tls_start::stls) {
    EXPECT_EQ(run.server.plaintext_received, "CAPA\r\nSTLS\r\n");
  }
  EXPECT_EQ(run.connections, 1u);
}

const tls_start both_starts[] = {tls_start::implicit, tls_start::stls};

const char* start_name(tls_start start) {
  return start == tls_start::stls ? "STLS" : "implicit TLS";
}

TEST(tls, case16_implicit_tls_default) {
  // No port: 995 for pop3s://, 110 for pop3:// (nothing listens there in a test; the error
  // names the port).
  for (const auto& [url, port] : {std::pair{"pop3s://alice@127.0.0.1", "port 995"},
                                  std::pair{"pop3://alice@127.0.0.1", "port 110"}}) {
    const process_result r = pop3({"stat", "--timeout", "5", url});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(mentions(r.err, "127.0.0.1 " + std::string(port))) << r.err;
  }
  // pop3s://: the first bytes are a ClientHello (a plaintext byte would fail the server's
  // handshake), and the greeting comes over TLS.
  {
    const tls_run run =
        run_against(pop3s_server({{"STAT", "+OK 0 0\r\n", {}}}), [](std::uint16_t port) {
          return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3s_url(port)};
        });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_TRUE(run.server.handshake_succeeded);
    EXPECT_EQ(run.server.plaintext_received, "");
    EXPECT_EQ(run.server.received_after_handshake,
              "CAPA\r\n" + auth_plain_line() + "\r\nSTAT\r\nQUIT\r\n");
  }
  // pop3://: CAPA and STLS in cleartext, then TLS.
  {
    tls_test_server_options options = stls_server();
    options.script_after_tls = {plain_login(), {"STAT", "+OK 0 0\r\n", {}}};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, "CAPA\r\nSTLS\r\n");
    EXPECT_TRUE(run.server.handshake_succeeded);
  }
}

struct bad_certificate {
  const char* name;
  key_and_certificate identity;
  std::string host;    // what the URL names
  std::string reason;  // OpenSSL's words for the flaw
};

std::vector<bad_certificate> bad_certificates() {
  const test_ca other_ca("another test CA");
  certificate_spec other_name = localhost_spec();
  other_name.common_name = "other.example.org";
  other_name.dns_names = {"other.example.org"};
  other_name.ip_addresses = {};
  certificate_spec expired = localhost_spec();
  expired.not_before_offset = -std::chrono::hours(24 * 30);
  expired.not_after_offset = -std::chrono::hours(24);
  certificate_spec not_yet_valid = localhost_spec();
  not_yet_valid.not_before_offset = std::chrono::hours(24);
  not_yet_valid.not_after_offset = std::chrono::hours(24 * 30);
  certificate_spec other_address;
  other_address.common_name = "127.0.0.2";
  other_address.ip_addresses = {"127.0.0.2"};
  return {
      {"self-signed", ca().self_signed(localhost_spec()), "localhost", "self-signed"},
      {"unknown root", other_ca.issue(localhost_spec()), "localhost",
       "unable to get local issuer certificate"},
      {"name mismatch", ca().issue(other_name), "localhost", "hostname mismatch"},
      {"expired", ca().issue(expired), "localhost", "certificate has expired"},
      {"not yet valid", ca().issue(not_yet_valid), "localhost", "certificate is not yet valid"},
      {"IP address mismatch", ca().issue(other_address), "127.0.0.1", "IP address mismatch"},
  };
}

TEST(tls, case17_certificate_matrix) {
  for (const bad_certificate& bad : bad_certificates()) {
    for (const tls_start start : both_starts) {
      SCOPED_TRACE(std::string(bad.name) + " over " + start_name(start));
      const tls_run run = run_against(serving(bad.identity, start), [&](std::uint16_t port) {
        return std::vector<std::string>{"stat", "--cafile", ca_file(),
                                        url_for(start, port, bad.host)};
      });
      EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
      EXPECT_TRUE(mentions(run.cli.err, "the server's certificate was rejected: " + bad.reason))
          << run.cli.err;
      expect_nothing_over_tls(run, start);
    }
  }
  // The good certificate, with the right CA, passes: by name and by address.
  for (const tls_start start : both_starts) {
    for (const char* host : {"localhost", "127.0.0.1"}) {
      SCOPED_TRACE(std::string(host) + " over " + start_name(start));
      tls_test_server_options options = serving(localhost_identity(), start);
      options.script_after_tls = {plain_login(), {"STAT", "+OK 1 10\r\n", {}}};
      const tls_run run = run_against(options, [&](std::uint16_t port) {
        return std::vector<std::string>{"stat", "--cafile", ca_file(), url_for(start, port, host)};
      });
      EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
      EXPECT_EQ(run.cli.out, "1 messages, 10 octets\n");
    }
  }
}

// A wildcard covers one label only: *.example.org is not a.b.example.org. That host name does
// not resolve here, so the test makes the connection itself and names the host to
// open_session, which verifies the certificate against it.
TEST(tls, case17_wildcard_too_deep) {
  certificate_spec wildcard;
  wildcard.common_name = "*.example.org";
  wildcard.dns_names = {"*.example.org"};
  const key_and_certificate identity = ca().issue(wildcard);
  for (const auto& [host, accepted] :
       {std::pair{"a.b.example.org", false}, std::pair{"a.example.org", true}}) {
    SCOPED_TRACE(host);
    tls_test_server_options options = pop3s_server();
    options.identity = identity;
    tls_test_server server(options);
    {
      auto connection = tcp_transport::connect("127.0.0.1", server.port(), {}, no_deadline);
      ASSERT_TRUE(connection);
      connect_options settings;
      settings.tls = tls_mode::implicit;
      settings.tls_settings.ca_file = ca_file();
      settings.session.idle_timeout = 10s;
      auto s = open_session(std::unique_ptr<transport>(std::move(*connection)), host, settings);
      if (accepted) {
        ASSERT_TRUE(s) << describe(s.error().code);
        EXPECT_TRUE(s->quit());
      } else {
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, errc::certificate_rejected);
        EXPECT_EQ(s.error().system_error, X509_V_ERR_HOSTNAME_MISMATCH);
      }
    }
    ASSERT_TRUE(server.wait_until_done());
    EXPECT_EQ(server.received_after_handshake(), accepted ? "CAPA\r\nQUIT\r\n" : "");
  }
}

TEST(tls, case18_system_trust_store_by_default) {
  // The test CA is in no system store: without --cafile the good certificate fails.
  for (const tls_start start : both_starts) {
    SCOPED_TRACE(start_name(start));
    const tls_run run = run_against(serving(localhost_identity(), start), [&](std::uint16_t port) {
      return std::vector<std::string>{"stat", url_for(start, port, "localhost")};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(
        mentions(run.cli.err, "the server's certificate was rejected: unable to get local issuer"))
        << run.cli.err;
    expect_nothing_over_tls(run, start);
  }
}

TEST(tls, case19_nul_in_name) {
  const std::string nul_name("localhost\0.evil.example", 23);
  certificate_spec in_san;
  in_san.common_name = nul_name;
  in_san.dns_names = {nul_name};
  certificate_spec in_common_name_only;  // no SAN: verifiers fall back to the CN
  in_common_name_only.common_name = nul_name;
  for (const certificate_spec& spec : {in_san, in_common_name_only}) {
    for (const tls_start start : both_starts) {
      SCOPED_TRACE(std::string(spec.dns_names.empty() ? "CN" : "SAN") + " over " +
                   start_name(start));
      const tls_run run = run_against(serving(ca().issue(spec), start), [&](std::uint16_t port) {
        return std::vector<std::string>{"stat", "--cafile", ca_file(),
                                        url_for(start, port, "localhost")};
      });
      EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
      EXPECT_TRUE(mentions(run.cli.err, "certificate was rejected: hostname mismatch"))
          << run.cli.err;
      expect_nothing_over_tls(run, start);
    }
  }
}

TEST(tls, case20_tls_floor) {
  for (const tls_start start : both_starts) {
    SCOPED_TRACE(start_name(start));
    tls_test_server_options options = serving(localhost_identity(), start);
    options.min_protocol = TLS1_VERSION;
    options.max_protocol = TLS1_1_VERSION;
    const tls_run run = run_against(options, [&](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(),
                                      url_for(start, port, "localhost")};
    });
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "the TLS handshake failed")) << run.cli.err;
    EXPECT_FALSE(run.server.handshake_succeeded);
    expect_nothing_over_tls(run, start);
  }
}

TEST(tls, case21_sni_and_name) {
  struct expectation {
    std::string host;
    std::string sni;
  };
  std::vector<expectation> cases = {{"localhost", "localhost"}, {"127.0.0.1", ""}};
  if (has_ipv6_loopback()) cases.push_back({"[::1]", ""});
  for (const tls_start start : both_starts) {
    for (const expectation& e : cases) {
      SCOPED_TRACE(e.host + " over " + start_name(start));
      tls_test_server_options options = serving(localhost_identity(), start);
      options.also_ipv6 = e.host == "[::1]";
      options.script_after_tls = {plain_login(), {"STAT", "+OK 0 0\r\n", {}}};
      const tls_run run = run_against(options, [&](std::uint16_t port) {
        return std::vector<std::string>{"stat", "--cafile", ca_file(),
                                        url_for(start, port, e.host)};
      });
      EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
      EXPECT_TRUE(run.server.handshake_succeeded);
      EXPECT_EQ(run.server.client_sni, e.sni);
    }
  }
  // The name verified is the one the user gave, not one the server suggests in its greeting
  // or IMPLEMENTATION.
  certificate_spec other_name;
  other_name.common_name = "pop.other.example";
  other_name.dns_names = {"pop.other.example"};
  tls_test_server_options options = serving(ca().issue(other_name), tls_start::stls);
  options.greeting = "+OK pop.other.example ready\r\n";
  options.capabilities_before_tls = {"IMPLEMENTATION pop.other.example", "USER", "STLS"};
  const tls_run run = run_against(options, [](std::uint16_t port) {
    return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port, "localhost")};
  });
  EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "hostname mismatch")) << run.cli.err;
  EXPECT_EQ(run.server.client_sni, "localhost");
  expect_nothing_over_tls(run, tls_start::stls);
}

// After a TLS failure the CLI does not try again (in cleartext or otherwise). The server would
// accept a second connection; once the CLI has exited, the test connects itself with a
// recognisable SNI (or, before TLS, a recognisable line): if that is the second connection the
// server saw, the CLI made only one.
TEST(tls, case22_no_cleartext_retry) {
  struct failure {
    const char* name;
    tls_start start;
    key_and_certificate identity;
    bool tls_1_1_only = false;
    std::string stls_reply = "+OK Begin TLS\r\n";
  };
  const failure failures[] = {
      {"untrusted certificate, implicit", tls_start::implicit, ca().self_signed(localhost_spec())},
      {"untrusted certificate, STLS", tls_start::stls, ca().self_signed(localhost_spec())},
      {"TLS 1.1 only, implicit", tls_start::implicit, localhost_identity(), true},
      {"STLS refused", tls_start::stls, localhost_identity(), false, "-ERR no\r\n"},
  };
  for (const failure& f : failures) {
    SCOPED_TRACE(f.name);
    tls_test_server_options options = serving(f.identity, f.start);
    options.connections = 2;
    options.stls_reply = f.stls_reply;
    if (f.tls_1_1_only) {
      options.min_protocol = TLS1_VERSION;
      options.max_protocol = TLS1_1_VERSION;
    }
    tls_test_server server(options);
    const process_result r =
        pop3({"stat", "--cafile", ca_file(), url_for(f.start, server.port(), "localhost")});
    EXPECT_NE(r.exit_code, 0);
    {
      tls_test_client probe("127.0.0.1", server.port());
      if (f.start == tls_start::implicit) {
        tls_client_options probe_options;
        probe_options.sni = "probe.invalid";
        if (f.tls_1_1_only) {
          probe_options.min_protocol = TLS1_VERSION;
          probe_options.legacy_security_level = true;
        }
        EXPECT_TRUE(probe.start_tls(probe_options)) << probe.error();
      } else {
        probe.read_line();  // the greeting
        probe.send("PROBE\r\n");
        probe.read_line();
      }
    }
    ASSERT_TRUE(server.wait_until_done());
    ASSERT_EQ(server.connections_accepted(), 2u);
    if (f.start == tls_start::implicit) {
      EXPECT_EQ(server.client_sni(1), "probe.invalid");
    } else {
      EXPECT_EQ(server.plaintext_received(1), "PROBE\r\n");
    }
    EXPECT_EQ(server.received_after_handshake(0), "");
  }
}

TEST(tls, case23_handshake_timeout) {
  // The server accepts (or answers STLS) and then does not read the ClientHello for far longer
  // than --timeout: the CLI gives up with a temporary failure. Had it waited for the server,
  // the handshake would have succeeded in the end and the exit code would not be 75.
  for (const tls_start start : both_starts) {
    SCOPED_TRACE(start_name(start));
    tls_test_server_options options = serving(localhost_identity(), start);
    options.handshake_delay = 100s;
    tls_test_server server(options);
    const process_result r = pop3({"stat", "--timeout", "1", "--cafile", ca_file(),
                                   url_for(start, server.port(), "localhost")});
    EXPECT_EQ(r.exit_code, 75) << r.err;
    EXPECT_TRUE(mentions(r.err, "timed out")) << r.err;
    EXPECT_EQ(server.received_after_handshake(), "");
    if (start == tls_start::stls) {
      EXPECT_EQ(server.plaintext_received(), "CAPA\r\nSTLS\r\n");
    }
  }
}

TEST(tls, case24_certificate_text_output) {
  // 10 KB of high-bit bytes, escape sequences and line breaks in the subject's CN and in the
  // issuer's; the SAN still names localhost.
  std::string hostile;
  for (int i = 0; hostile.size() < 10 * 1024; ++i) {
    hostile += static_cast<char>(0x80 + i % 0x80);
    if (i % 50 == 0) hostile += "\x1b[31;1m\r\n\x07\x1b]0;owned\x07";
  }
  const test_ca hostile_ca(hostile);
  certificate_spec spec = localhost_spec();
  spec.common_name = hostile;
  const key_and_certificate identity = hostile_ca.issue(spec);
  for (const bool json : {false, true}) {
    SCOPED_TRACE(json ? "--json" : "text");
    tls_test_server_options options = pop3s_server();
    options.identity = identity;
    const tls_run run = run_against(options, [&](std::uint16_t port) {
      std::vector<std::string> args = {"serverinfo", "--insecure", pop3s_url(port)};
      if (json) args.insert(args.begin() + 1, "--json");
      return args;
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_TRUE(is_escaped_text(run.cli.out)) << run.cli.out;
    EXPECT_TRUE(is_escaped_text(run.cli.err)) << run.cli.err;
    EXPECT_LT(run.cli.out.size(), 8000u);
    EXPECT_LT(longest_line(run.cli.out), 2500u);
    EXPECT_TRUE(mentions(run.cli.out, "\\x80")) << run.cli.out;  // shown, escaped
    EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\nQUIT\r\n");
  }
}

using digest = std::array<unsigned char, 32>;

std::string hex(const digest& d, bool colons) {
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, colons ? "%02X" : "%02x", d[i]);
    if (colons && i != 0) out += ':';
    out += pair;
  }
  return out;
}

digest certificate_sha256(const std::string& pem) {
  const x509_ptr certificate = certificate_from_pem(pem);
  digest d{};
  unsigned int size = 0;
  X509_digest(certificate.get(), EVP_sha256(), d.data(), &size);
  return d;
}

// Of the DER SubjectPublicKeyInfo, as curl's --pinnedpubkey (X509_pubkey_digest would hash
// the key's bits alone).
digest public_key_sha256(const std::string& pem) {
  const x509_ptr certificate = certificate_from_pem(pem);
  unsigned char* der = nullptr;
  const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &der);
  digest d{};
  unsigned int digest_size = 0;
  EVP_Digest(der, static_cast<std::size_t>(size), d.data(), &digest_size, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return d;
}

TEST(tls, insecure_tls_gets_no_password_unless_a_method_is_named) {
  // --insecure: the certificate is not checked, so whoever answered may be an impostor (RFC
  // 8314 section 5). --auth auto then picks nothing that shows the password (PLAIN, LOGIN,
  // USER); only SCRAM would do, and this server has none. Named, PLAIN goes out.
  const auto run_stat = [](const std::vector<std::string>& extra) {
    return run_against(pop3s_server({{"STAT", "+OK 0 0\r\n", {}}}), [&](std::uint16_t port) {
      std::vector<std::string> args = {"stat", "--insecure"};
      args.insert(args.end(), extra.begin(), extra.end());
      args.push_back(pop3s_url(port));
      return args;
    });
  };
  const tls_run refused = run_stat({});
  EXPECT_EQ(refused.cli.exit_code, 69) << refused.cli.err;
  EXPECT_TRUE(mentions(refused.cli.err,
                       "pop3: login refused: the server's certificate was not checked "
                       "(insecure), so the password could go to an impostor; choose a method "
                       "with --auth to send it anyway"))
      << refused.cli.err;
  EXPECT_EQ(refused.server.received_after_handshake, "CAPA\r\n");
  const tls_run named = run_stat({"--auth", "plain"});
  EXPECT_EQ(named.cli.exit_code, 0) << named.cli.err;
  EXPECT_EQ(named.server.received_after_handshake,
            "CAPA\r\n" + auth_plain_line() + "\r\nSTAT\r\nQUIT\r\n");
}

TEST(tls, case25_pins) {
  // The right pin makes a self-signed certificate acceptable without any CA: of the
  // certificate or of its public key, in hex (with or without colons) or base64.
  const key_and_certificate self_signed = ca().self_signed(localhost_spec());
  const digest of_certificate = certificate_sha256(self_signed.certificate_pem);
  const digest of_key = public_key_sha256(self_signed.certificate_pem);
  for (const digest& d : {of_certificate, of_key}) {
    for (const std::string& pin :
         {hex(d, false), hex(d, true),
          base64(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()))}) {
      SCOPED_TRACE(pin);
      tls_test_server_options options = pop3s_server({{"STAT", "+OK 0 0\r\n", {}}});
      options.identity = self_signed;
      const tls_run run = run_against(options, [&](std::uint16_t port) {
        return std::vector<std::string>{"stat", "--pin", "sha256:" + pin, pop3s_url(port)};
      });
      EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    }
  }
  // A wrong pin fails even when the CA would vouch for the certificate.
  digest wrong = certificate_sha256(localhost_identity().certificate_pem);
  wrong[0] ^= 1;
  for (const tls_start start : both_starts) {
    SCOPED_TRACE(start_name(start));
    const tls_run run = run_against(serving(localhost_identity(), start), [&](std::uint16_t port) {
      return std::vector<std::string>{"stat",
                                      "--cafile",
                                      ca_file(),
                                      "--pin",
                                      "sha256:" + hex(wrong, false),
                                      url_for(start, port, "localhost")};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "the server's certificate matches no pin")) << run.cli.err;
    expect_nothing_over_tls(run, start);
  }
}

}  // namespace
}  // namespace pop3::test
