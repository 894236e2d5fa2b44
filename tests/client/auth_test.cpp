// The login policy and the SASL exchanges on a session, against scripted servers: exact bytes
// on the wire, nothing sent when something is refused, and the cases of security-cases.md
// §1 (13, 14) and §4 (30, 46).
#include "pop3/auth.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "pop3/base64.hpp"
#include "pop3/memory_transport.hpp"
#include "pop3/tls.hpp"
#include "scripted_server.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

/// Pretends to be TLS (tls() reports details) over the in-memory pair, so that the policy's
/// "inside TLS" branch can be tested without certificates; the TLS tests use real TLS.
class pretend_tls final : public transport {
 public:
  explicit pretend_tls(std::unique_ptr<transport> inner) : inner_(std::move(inner)) {
    details_.version = "TLSv1.3";
    details_.verified = true;
  }
  result<std::size_t> read(std::span<char> b, deadline d) override { return inner_->read(b, d); }
  result<void> write(std::span<const char> b, deadline d) override { return inner_->write(b, d); }
  void close() noexcept override { inner_->close(); }
  const tls_details* tls() const noexcept override { return &details_; }

 private:
  std::unique_ptr<transport> inner_;
  tls_details details_;
};

struct scripted_session {
  std::unique_ptr<scripted_server> server;
  result<session> s = unexpected(errc::io_error);

  /// `capa`: the CAPA reply's lines (without the status and terminator lines).
  scripted_session(bool tls, std::string capa_lines,
                   const std::function<void(scripted_server&)>& script,
                   std::string greeting = "+OK ready\r\n") {
    auto [client, server_end] = make_memory_pair();
    server = std::make_unique<scripted_server>(std::move(server_end));
    server->send(greeting).expect("CAPA\r\n").send("+OK\r\n" + capa_lines + ".\r\n");
    script(*server);
    server->start();
    std::unique_ptr<transport> link = std::move(client);
    if (tls) link = std::make_unique<pretend_tls>(std::move(link));
    session_options o;
    o.idle_timeout = 5s;
    s = session::start(std::move(link), o);
    EXPECT_TRUE(s);
    EXPECT_TRUE(s->capa());
  }
  ~scripted_session() {
    s = unexpected(errc::io_error);
    server->finish();
  }
  /// What the client sent after CAPA.
  std::string sent_after_capa() const { return server->received().substr(6); }
};

auth_mechanism chosen(bool tls, std::string capa_lines) {
  scripted_session x(tls, std::move(capa_lines), [](scripted_server& s) { s.expect_close(); });
  auto m = choose_mechanism(*x.s, {});
  return m ? *m : auth_mechanism::automatic;
}

TEST(auth_policy, scram_first_everywhere) {
  EXPECT_EQ(chosen(false, "SASL PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256\r\nUSER\r\n"),
            auth_mechanism::scram_sha_256);
  EXPECT_EQ(chosen(true, "SASL PLAIN SCRAM-SHA-256 SCRAM-SHA-1\r\n"),
            auth_mechanism::scram_sha_256);
  EXPECT_EQ(chosen(false, "SASL PLAIN SCRAM-SHA-1\r\n"), auth_mechanism::scram_sha_1);
}

TEST(auth_policy, password_methods_only_inside_tls) {
  EXPECT_EQ(chosen(true, "SASL LOGIN PLAIN\r\nUSER\r\n"), auth_mechanism::plain);
  EXPECT_EQ(chosen(true, "SASL LOGIN\r\nUSER\r\n"), auth_mechanism::login);
  EXPECT_EQ(chosen(true, "USER\r\n"), auth_mechanism::user);
  scripted_session clear(false, "SASL PLAIN LOGIN\r\nUSER\r\n",
                         [](scripted_server& s) { s.expect_close(); });
  EXPECT_EQ(choose_mechanism(*clear.s, {}).error().code, errc::no_acceptable_mechanism);
}

// security-cases.md 14: a flood of names, APOP and CRAM-MD5 among them; local policy decides.
TEST(auth_policy, mechanism_flood_never_picks_weak_ones) {
  std::string flood = "SASL";
  for (const char* m : {"APOP", "CRAM-MD5", "DIGEST-MD5", "NTLM", "GSSAPI", "X-GARBAGE",
                        "KERBEROS_V4", "ANONYMOUS", "OTP", "SKEY", "CRAM-SHA1"})
    for (int i = 0; i < 5; ++i)
      flood += std::string(" ") + m + (i ? std::to_string(i) : "");
  EXPECT_EQ(chosen(false, flood + " PLAIN\r\nUSER\r\n"), auth_mechanism::automatic);  // none
  EXPECT_EQ(chosen(true, flood + " PLAIN\r\n"), auth_mechanism::plain);
}

TEST(auth_policy, named_method_is_used_as_named) {
  scripted_session x(false, "USER\r\n", [](scripted_server& s) { s.expect_close(); });
  auth_options named;
  named.mechanism = auth_mechanism::cram_md5;
  EXPECT_EQ(choose_mechanism(*x.s, named).value(), auth_mechanism::cram_md5);
}

TEST(auth_policy, parse_names) {
  EXPECT_EQ(parse_auth_mechanism("SCRAM-SHA-256").value(), auth_mechanism::scram_sha_256);
  EXPECT_EQ(parse_auth_mechanism("auto").value(), auth_mechanism::automatic);
  EXPECT_EQ(parse_auth_mechanism("digest-md5").error().code, errc::invalid_argument);
  EXPECT_EQ(to_string(auth_mechanism::xoauth2), "xoauth2");
}

credentials alice() {
  return {"alice", "secret", ""};
}

result<auth_mechanism> run(scripted_session& x, const credentials& who, auth_options o = {}) {
  return authenticate(*x.s, who, o);
}

TEST(auth_exchange, plain_with_initial_response) {
  scripted_session x(true, "SASL PLAIN\r\n", [](scripted_server& s) {
    s.expect("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n").send("+OK logged in\r\n").expect_close();
  });
  EXPECT_EQ(run(x, alice()).value(), auth_mechanism::plain);
  EXPECT_EQ(x.s->protocol().state(), session_state::transaction);
}

// RFC 5034 §4: an initial response that would make AUTH longer than 255 octets follows an
// empty challenge.
TEST(auth_exchange, long_initial_response_waits_for_an_empty_challenge) {
  const credentials who{"alice", std::string(250, 'p'), ""};
  const std::string ir = base64_encode(std::string("\0alice\0", 7) + who.secret);
  scripted_session x(true, "SASL PLAIN\r\n", [&](scripted_server& s) {
    s.expect("AUTH PLAIN\r\n").send("+ \r\n").expect(ir + "\r\n").send("+OK\r\n").expect_close();
  });
  EXPECT_TRUE(run(x, who));
}

TEST(auth_exchange, login_and_cram_md5) {
  {
    scripted_session x(true, "SASL LOGIN\r\n", [](scripted_server& s) {
      s.expect("AUTH LOGIN\r\n")
          .send("+ VXNlcm5hbWU6\r\n")
          .expect("YWxpY2U=\r\n")
          .send("+ UGFzc3dvcmQ6\r\n")
          .expect("c2VjcmV0\r\n")
          .send("+OK\r\n")
          .expect_close();
    });
    EXPECT_EQ(run(x, alice()).value(), auth_mechanism::login);
  }
  {
    // RFC 2195's example challenge and answer.
    scripted_session x(false, "SASL CRAM-MD5\r\n", [](scripted_server& s) {
      s.expect("AUTH CRAM-MD5\r\n")
          .send("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n")
          .expect("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n")
          .send("+OK\r\n")
          .expect_close();
    });
    auth_options o;
    o.mechanism = auth_mechanism::cram_md5;
    EXPECT_EQ(run(x, {"tim", "tanstaaftanstaaf", ""}, o).value(), auth_mechanism::cram_md5);
  }
}

TEST(auth_exchange, xoauth2_two_step_and_error_details) {
  const std::string token = base64_encode(
      "user=alice\x01"
      "auth=Bearer tok\x01\x01");
  scripted_session x(true, "SASL XOAUTH2\r\n", [&](scripted_server& s) {
    s.expect("AUTH XOAUTH2\r\n")
        .send("+ \r\n")
        .expect(token + "\r\n")
        .send("+ " + base64_encode("{\"status\":\"401\",\"schemes\":\"bearer\"}") + "\r\n")
        .expect("\r\n")  // acknowledge the details
        .send("-ERR [AUTH] Authentication failed.\r\n")
        .expect_close();
  });
  auth_options o;
  o.mechanism = auth_mechanism::xoauth2;
  auto r = run(x, {"alice", "tok", ""}, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::server_error);
  EXPECT_EQ(r.error().response, resp_code::auth);
  EXPECT_EQ(r.error().command, command_kind::auth);
}

TEST(auth_exchange, xoauth2_one_step_and_oauthbearer) {
  {
    const std::string token = base64_encode(
        "user=alice\x01"
        "auth=Bearer tok\x01\x01");
    scripted_session x(true, "SASL XOAUTH2\r\n", [&](scripted_server& s) {
      s.expect("AUTH XOAUTH2 " + token + "\r\n").send("+OK\r\n").expect_close();
    });
    auth_options o;
    o.mechanism = auth_mechanism::xoauth2;
    o.xoauth2_one_step = true;
    EXPECT_TRUE(run(x, {"alice", "tok", ""}, o));
  }
  {
    const std::string message = base64_encode(
        "n,a=alice,\x01host=pop.example.org\x01port=995\x01"
        "auth=Bearer tok\x01\x01");
    scripted_session x(true, "SASL OAUTHBEARER\r\n", [&](scripted_server& s) {
      s.expect("AUTH OAUTHBEARER " + message + "\r\n").send("+OK\r\n").expect_close();
    });
    auth_options o;
    o.mechanism = auth_mechanism::oauthbearer;
    o.host = "pop.example.org";
    o.port = 995;
    EXPECT_TRUE(run(x, {"alice", "tok", ""}, o));
  }
}

// security-cases.md 46: a challenge that is not base64 is answered with "*".
TEST(auth_exchange, malformed_challenge_cancels_and_keeps_the_session) {
  scripted_session x(true, "SASL LOGIN\r\nUSER\r\n", [](scripted_server& s) {
    s.expect("AUTH LOGIN\r\n")
        .send("+ !!!not base64!!!\r\n")
        .expect("*\r\n")
        .send("-ERR cancelled\r\n")
        .expect("CAPA\r\n")
        .send("+OK\r\n.\r\n")
        .expect_close();
  });
  auth_options o;
  o.mechanism = auth_mechanism::login;
  auto r = run(x, alice(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::malformed_challenge);
  EXPECT_TRUE(x.s->capa());  // still in step
}

TEST(auth_exchange, err_instead_of_a_challenge_keeps_its_code) {
  scripted_session x(true, "SASL PLAIN\r\n", [](scripted_server& s) {
    s.expect("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
        .send("-ERR [SYS/TEMP] try later\r\n")
        .expect_close();
  });
  auto r = run(x, alice());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::server_error);
  EXPECT_EQ(r.error().response, resp_code::sys_temp);
}

TEST(auth_exchange, huge_challenge_is_a_protocol_error) {
  scripted_session x(true, "SASL LOGIN\r\n", [](scripted_server& s) {
    s.expect("AUTH LOGIN\r\n").send("+ " + std::string(64 * 1024, 'A') + "\r\n").expect_close();
  });
  auth_options o;
  o.mechanism = auth_mechanism::login;
  EXPECT_EQ(run(x, alice(), o).error().code, errc::line_too_long);
}

// security-cases.md 30: nothing is sent for a credential that could end a line.
TEST(auth_exchange, line_breakers_in_credentials_send_nothing) {
  for (const credentials& who :
       {credentials{"bob\r\nDELE 1", "x", ""}, credentials{"bob", "pa\nss", ""},
        credentials{std::string("bo\0b", 4), "x", ""},
        credentials{"bob", std::string("p\0w", 3), ""}, credentials{"bob", "x", "admin\r\n"},
        credentials{"", "x", ""}}) {
    scripted_session x(true, "SASL PLAIN\r\nUSER\r\n",
                       [](scripted_server& s) { s.expect_close(); });
    EXPECT_EQ(run(x, who).error().code, errc::invalid_argument);
    x.s = unexpected(errc::io_error);
    x.server->finish();
    EXPECT_EQ(x.sent_after_capa(), "");
  }
}

// RFC 6856: UTF8 before a login with UTF-8 credentials, where the server offers it.
TEST(auth_exchange, utf8_before_a_utf8_login) {
  scripted_session x(true, "UTF8 USER\r\nUSER\r\n", [](scripted_server& s) {
    s.expect("UTF8\r\n")
        .send("+OK UTF8 enabled\r\n")
        .expect("USER j\xc3\xb6rg\r\n")
        .send("+OK\r\n")
        .expect("PASS p\xc3\xa4ss\r\n")
        .send("+OK\r\n")
        .expect_close();
  });
  EXPECT_EQ(run(x, {"j\xc3\xb6rg", "p\xc3\xa4ss", ""}).value(), auth_mechanism::user);
}

// security-cases.md 27: with APOP asked for, an invalid timestamp means nothing is sent.
TEST(auth_exchange, apop_with_invalid_timestamps_sends_nothing) {
  for (const char* stamp : {"<>", "<no-at>", "<a b@c>", "<a@b", "<\xC3\xA9@x>", "<a\x01@b>"}) {
    scripted_session x(
        false, "USER\r\n", [](scripted_server& s) { s.expect_close(); },
        std::string("+OK ready ") + stamp + "\r\n");
    auth_options o;
    o.mechanism = auth_mechanism::apop;
    EXPECT_EQ(run(x, alice(), o).error().code, errc::apop_unavailable) << stamp;
    x.s = unexpected(errc::io_error);
    x.server->finish();
    EXPECT_EQ(x.sent_after_capa(), "");
  }
}

/// A SCRAM-SHA-256 server that echoes the client's nonce and then misbehaves at the end:
/// a wrong signature, or +OK without proving anything.
class lying_scram_server {
 public:
  enum class lie { wrong_signature, no_server_final };
  lying_scram_server(std::unique_ptr<transport> end, lie how) : end_(std::move(end)), how_(how) {
    thread_ = std::thread([this] { run(); });
  }
  ~lying_scram_server() { thread_.join(); }
  const std::string& received() const { return received_; }

 private:
  std::string line() {
    std::string l;
    char c;
    while (true) {
      auto n = end_->read(std::span<char>(&c, 1), steady_clock::now() + 5s);
      if (!n || *n == 0) return l;
      received_ += c;
      if (c == '\n') return l.substr(0, l.size() - 1);
      l += c;
    }
  }
  void send(const std::string& s) { (void)end_->write(s, steady_clock::now() + 5s); }
  void run() {
    send("+OK ready\r\n");
    line();  // CAPA
    send("+OK\r\nSASL SCRAM-SHA-256\r\n.\r\n");
    const std::string auth = line();  // AUTH SCRAM-SHA-256 <client-first>
    const std::string first = base64_decode(auth.substr(auth.rfind(' ') + 1), 1000).value_or("");
    const std::string nonce = first.substr(first.find("r=") + 2);
    send("+ " + base64_encode("r=" + nonce + "SERVER,s=c2FsdHNhbHQ=,i=4096") + "\r\n");
    line();  // client-final
    if (how_ == lie::wrong_signature) {
      send("+ " + base64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") + "\r\n");
      if (line() == "*") send("-ERR cancelled\r\n");
    } else {
      send("+OK welcome, trust me\r\n");
    }
    line();  // until the client closes
  }
  std::unique_ptr<transport> end_;
  lie how_;
  std::string received_;
  std::thread thread_;
};

TEST(auth_exchange, scram_server_with_a_wrong_signature_fails_the_login) {
  for (auto how :
       {lying_scram_server::lie::wrong_signature, lying_scram_server::lie::no_server_final}) {
    auto [client, server_end] = make_memory_pair();
    lying_scram_server server(std::move(server_end), how);
    auto s = session::start(std::move(client));
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->capa());
    auto r = authenticate(*s, {"user", "pencil", ""}, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::server_not_authenticated);
    // The session is over either way: no command goes to an impostor.
    EXPECT_FALSE(s->stat());
    s = unexpected(errc::io_error);
  }
}

}  // namespace
}  // namespace pop3::test
