// The pop3 program's TLS and login policy against a real Dovecot with its own CA: POP3S and
// STLS with every login method, `auto`, certificate checks, pins, cleartext only when asked,
// and serverinfo.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {
namespace {

const std::string password = "tls password";

class cli_tls : public ::testing::Test {
 protected:
  cli_tls() : server_({{"alice", password}}), mail_(generate_small_mail(3, 21)) {
    server_.deliver("alice", mail_);
  }

  std::string pop3s_url() const {
    return "pop3s://alice@localhost:" + std::to_string(server_.pop3s_port());
  }
  std::string stls_url() const {
    return "pop3://alice@localhost:" + std::to_string(server_.port());
  }
  process_result pop3(std::vector<std::string> args, const std::string& secret = password) {
    args.insert(args.begin(), POP3_CLI_PATH);
    return run_process(args, {{"POP3_PASSWORD", secret}});
  }
  std::string ca() const { return server_.ca_file().string(); }

  dovecot_server server_;
  std::vector<sample_message> mail_;
};

TEST_F(cli_tls, every_login_method_over_pop3s_and_stls) {
  for (const std::string& url : {pop3s_url(), stls_url()}) {
    for (const char* method :
         {"user", "apop", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256"}) {
      SCOPED_TRACE(url + " --auth " + method);
      auto r = pop3({"stat", "-v", "--auth", method, "--cafile", ca(), url});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out.substr(0, 11), "3 messages,");
      EXPECT_NE(r.err.find(std::string("* logged in with ") + method + "\n"), std::string::npos)
          << r.err;
      EXPECT_EQ(r.err.find(password), std::string::npos);  // never in a trace
      r = pop3({"stat", "--auth", method, "--cafile", ca(), url}, "wrong password");
      EXPECT_EQ(r.exit_code, 77) << r.err;
      EXPECT_NE(r.err.find("[AUTH]"), std::string::npos) << r.err;
    }
  }
}

TEST_F(cli_tls, auto_picks_scram_sha_256_and_stls_comes_first) {
  auto r = pop3({"stat", "-v", "--cafile", ca(), stls_url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("* logged in with scram-sha-256\n"), std::string::npos) << r.err;
  // In order: CAPA, STLS, (TLS), CAPA again, then AUTH.
  const auto stls = r.err.find("C: STLS\n");
  const auto auth = r.err.find("C: AUTH SCRAM-SHA-256 ***\n");
  ASSERT_NE(stls, std::string::npos) << r.err;
  ASSERT_NE(auth, std::string::npos) << r.err;
  EXPECT_LT(r.err.find("C: CAPA\n"), stls);
  EXPECT_LT(stls, r.err.find("C: CAPA\n", stls));
  EXPECT_LT(r.err.find("C: CAPA\n", stls), auth);
}

TEST_F(cli_tls, certificate_must_verify) {
  // Without --cafile the system's trust store does not know the test CA.
  auto r = pop3({"stat", pop3s_url()});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_EQ(r.err, "pop3: cannot open a session with localhost port " +
                       std::to_string(server_.pop3s_port()) +
                       ": the server's certificate was rejected: unable to get local issuer "
                       "certificate\n");
  r = pop3({"stat", stls_url()});  // the same after STLS, before any credential
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_NE(r.err.find("certificate was rejected"), std::string::npos) << r.err;
  // The name must match: 127.0.0.2 is not in the certificate (it reaches the same server).
  r = pop3({"stat", "--cafile", ca(),
            "pop3s://alice@127.0.0.2:" + std::to_string(server_.pop3s_port())});
  if (r.err.find("connection refused") == std::string::npos) {  // Dovecot listens on 127.0.0.1
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_NE(r.err.find("certificate was rejected"), std::string::npos) << r.err;
  }
  // --insecure skips the checks, loudly.
  r = pop3({"stat", "--insecure", pop3s_url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("pop3: warning: --insecure"), std::string::npos) << r.err;
}

TEST_F(cli_tls, pins_decide_instead_of_the_ca) {
  auto info = pop3({"serverinfo", "--json", "--cafile", ca(), pop3s_url()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const auto doc = nlohmann::json::parse(info.out);
  const std::string cert = doc["tls"]["sha256_fingerprint"];
  const std::string key = doc["tls"]["public_key_sha256"];
  ASSERT_EQ(cert.size(), 95u);  // 32 bytes as XX:XX:...
  for (const std::string& pin : {cert, key}) {
    auto r = pop3({"stat", "--pin", "sha256:" + pin, pop3s_url()});  // no --cafile
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  std::string wrong = cert;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  auto r = pop3({"stat", "--cafile", ca(), "--pin", "sha256:" + wrong, pop3s_url()});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_NE(r.err.find("the server's certificate matches no pin"), std::string::npos) << r.err;
}

TEST_F(cli_tls, cleartext_only_when_asked) {
  const std::string clear = "pop3://alice@127.0.0.1:" + std::to_string(server_.port());
  // auto without TLS: SCRAM still qualifies (the password never crosses the network).
  auto r = pop3({"stat", "-v", "--tls", "none", clear});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("* logged in with scram-sha-256"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("C: STLS"), std::string::npos);
  EXPECT_NE(r.err.find("pop3: warning: --tls none"), std::string::npos);
  // Named, a password method goes in cleartext.
  r = pop3({"stat", "--tls", "none", "--auth", "plain", clear});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Named PLAIN under auto's rules would have been refused: shown by a server without SCRAM in
  // tests/client (auth_policy).
}

TEST_F(cli_tls, serverinfo_shows_both_capability_lists_and_the_certificate) {
  auto r = pop3({"serverinfo", "--json", "--cafile", ca(), stls_url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["server"]["tls_mode"], "starttls");
  EXPECT_TRUE(doc["tls"]["verified"].get<bool>());
  EXPECT_EQ(doc["tls"]["version"].get<std::string>().substr(0, 5), "TLSv1");
  EXPECT_NE(doc["tls"]["subject"].get<std::string>().find("CN=localhost"), std::string::npos);
  auto has = [](const nlohmann::json& list, const std::string& item) {
    for (const auto& x : list)
      if (x == item) return true;
    return false;
  };
  EXPECT_TRUE(has(doc["capabilities_before_tls"], "STLS"));
  EXPECT_FALSE(has(doc["capabilities"], "STLS"));
  EXPECT_TRUE(has(doc["sasl_mechanisms"], "SCRAM-SHA-256"));
  EXPECT_EQ(doc["auth_auto"], "scram-sha-256");
  EXPECT_NE(doc["greeting"].get<std::string>().find("<"), std::string::npos);

  r = pop3({"serverinfo", "--cafile", ca(), pop3s_url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\n               verified\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--auth auto would use: scram-sha-256\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("capabilities before TLS"), std::string::npos);  // POP3S: none
}

TEST_F(cli_tls, retrieval_and_deletion_over_stls) {
  auto r = pop3({"retr", "--cafile", ca(), stls_url(), "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == mail_[0].wire());
  r = pop3({"dele", "--cafile", ca(), stls_url(), "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server_.maildir_message_count("alice"), 2u);
}

}  // namespace
}  // namespace pop3::test
