// security-cases.md section 4, cases 30 and 31: command injection through user names,
// passwords, URLs and message numbers, and commands over 255 octets. Everything is refused
// before it reaches the wire; the server's record proves it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "cleartext_pop3_server.hpp"
#include "security_fixture.hpp"

namespace pop3::test {
namespace {

// After the CLI has exited: connects to SERVER and sends "PROBE". The server serves one
// connection: if the CLI never connected, it is the probe's; if the CLI did, the CLI's came
// first. Either way the server then finishes, and received() tells which.
void probe_and_finish(cleartext_pop3_server& server) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  [[maybe_unused]] const ssize_t sent = ::send(fd, "PROBE\r\n", 7, MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  EXPECT_TRUE(server.wait_until_done());
  ::close(fd);
}

// Every command a login could be made of; none may reach a server when a credential is bad.
void expect_no_login_command(const std::string& received) {
  for (const char* command : {"USER", "PASS", "AUTH", "APOP", "DELE"})
    EXPECT_FALSE(mentions(received, command)) << received;
}

// A cleartext server that would let anyone in (the CLI gets --tls none and a named method, so
// that only the credential checks stand between a bad credential and the wire).
cleartext_server_options open_door() {
  cleartext_server_options options;
  options.script = {{"CAPA", "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n"},
                    {"*", "+OK\r\n"},
                    {"*", "+OK\r\n"},
                    {"*", "+OK\r\n"}};
  return options;
}

TEST(injection, case30_crlf_in_arguments) {
  const auto directory = scratch_directory();
  struct attempt {
    const char* name;
    std::vector<std::string> args;  // before the URL; "URL" is replaced
    std::map<std::string, std::string> env;
  };
  write_file(directory / "cr-password", "sec\rret\n");
  write_file(directory / "nul-password", std::string("sec\0ret\n", 8));
  const std::map<std::string, std::string> good_password = {{"POP3_PASSWORD", test_password}};
  const std::vector<attempt> attempts = {
      {"CRLF in the URL's user",
       {"stat", "pop3://bob%0d%0aDELE%201@127.0.0.1:PORT"},
       good_password},
      {"LF in the URL's user", {"stat", "pop3://bob%0aDELE%201@127.0.0.1:PORT"}, good_password},
      {"NUL in the URL's user", {"stat", "pop3://bob%00@127.0.0.1:PORT"}, good_password},
      {"CRLF in the URL's path",
       {"retr", "pop3://bob@127.0.0.1:PORT/%0d%0aDELE%201", "1"},
       good_password},
      {"CRLF in a message number",
       {"retr", "pop3://bob@127.0.0.1:PORT", "1\r\nDELE 2"},
       good_password},
      {"CRLF in --user",
       {"stat", "--user", "bob\r\nDELE 1", "pop3://127.0.0.1:PORT"},
       good_password},
      {"CR in --user", {"stat", "--user", "bob\rDELE 1", "pop3://127.0.0.1:PORT"}, good_password},
      {"CRLF in POP3_PASSWORD",
       {"stat", "pop3://bob@127.0.0.1:PORT"},
       {{"POP3_PASSWORD", "pass\r\nDELE 1"}}},
      {"LF in POP3_PASSWORD", {"stat", "pop3://bob@127.0.0.1:PORT"}, {{"POP3_PASSWORD", "a\nb"}}},
      {"CR in the password file",
       {"stat", "--password-file", (directory / "cr-password").string(),
        "pop3://bob@127.0.0.1:PORT"},
       good_password},
      {"NUL in the password file",
       {"stat", "--password-file", (directory / "nul-password").string(),
        "pop3://bob@127.0.0.1:PORT"},
       good_password},
      {"CR from the password command",
       {"stat", "--password-command", "printf 'sec\\rret\\n'", "pop3://bob@127.0.0.1:PORT"},
       good_password},
      {"NUL from the password command",
       {"stat", "--password-command", "printf 'sec\\000ret\\n'", "pop3://bob@127.0.0.1:PORT"},
       good_password},
  };
  for (const char* method : {"user", "plain"}) {
    for (const attempt& a : attempts) {
      SCOPED_TRACE(std::string(a.name) + ", --auth " + method);
      cleartext_pop3_server server(open_door());
      std::vector<std::string> args = a.args;
      for (std::string& arg : args) {
        if (const auto at = arg.find("PORT"); at != std::string::npos)
          arg.replace(at, 4, std::to_string(server.port()));
      }
      args.insert(args.begin() + 1, {"--tls", "none", "--auth", method});
      const process_result r = pop3(args, a.env);
      probe_and_finish(server);
      EXPECT_TRUE(r.exit_code == 64 || r.exit_code == 65) << r.exit_code << ": " << r.err;
      // Refused before connecting (the probe was served), or after CAPA and before any login.
      const std::string received = server.received();
      EXPECT_TRUE(received == "PROBE\r\n" || received == "CAPA\r\n") << received;
      expect_no_login_command(received);
    }
  }
  // A password may contain spaces: they go out as they are.
  cleartext_server_options options;
  options.script = {{"CAPA", "+OK\r\nUSER\r\n.\r\n"},
                    {"USER alice", "+OK\r\n"},
                    {"PASS *", "+OK\r\n"},
                    {"STAT", "+OK 0 0\r\n"}};
  cleartext_pop3_server server(options);
  const process_result r =
      pop3({"stat", "--tls", "none", "--auth", "user", pop3_url(server.port())},
           {{"POP3_PASSWORD", "pass with  spaces "}});
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.received(), "CAPA\r\nUSER alice\r\nPASS pass with  spaces \r\nSTAT\r\nQUIT\r\n");
}

TEST(injection, case31_command_length) {
  // USER and APOP with a 300-character name would exceed RFC 2449's 255 octets: refused
  // locally, nothing after CAPA.
  const std::string long_user(300, 'u');
  for (const char* method : {"user", "apop"}) {
    SCOPED_TRACE(method);
    tls_test_server_options options = pop3s_server();
    options.greeting = "+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n";
    const tls_run run = run_against(options, [&](std::uint16_t port) {
      return std::vector<std::string>{"stat",    "--auth",   method,    "--user",
                                      long_user, "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 65) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "longer than 255 octets")) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\n");
  }
  // SASL is not limited the same way: the long initial response waits for an empty challenge
  // (RFC 5034 §4) and goes on its own line.
  tls_test_server_options options = pop3s_server();
  options.script_after_tls = {
      {"AUTH PLAIN", "+ \r\n", {}}, {"*", "+OK welcome\r\n", {}}, {"STAT", "+OK 0 0\r\n", {}}};
  const tls_run run = run_against(options, [&](std::uint16_t port) {
    return std::vector<std::string>{"stat",    "--auth",   "plain",   "--user",
                                    long_user, "--cafile", ca_file(), pop3s_url(port)};
  });
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_EQ(run.server.received_after_handshake,
            "CAPA\r\nAUTH PLAIN\r\n" +
                base64(std::string(1, '\0') + long_user + '\0' + test_password) +
                "\r\nSTAT\r\nQUIT\r\n");
}

}  // namespace
}  // namespace pop3::test
