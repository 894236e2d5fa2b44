// What the security tests share: the pop3 program, one test CA and its PEM file, server
// certificates for localhost, URLs, ready-made hostile-server options, and checks on what the
// CLI printed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "run_process.hpp"
#include "support/test_certificates.hpp"
#include "support/tls_test_server.hpp"

namespace pop3::test {

// The password every test server expects and every run of the CLI is given.
inline const std::string test_password = "secret";

// One CA for the whole program, its certificate in a file (for --cafile), and a server
// certificate it issued for localhost, 127.0.0.1 and ::1.
const test_ca& ca();
const std::string& ca_file();
certificate_spec localhost_spec();
const key_and_certificate& localhost_identity();

// Runs the pop3 program with ARGS and POP3_PASSWORD=test_password (ENV replaces that).
process_result pop3(std::vector<std::string> args, const std::map<std::string, std::string>& env = {
                                                       {"POP3_PASSWORD", test_password}});

// "pop3s://alice@localhost:PORT" and "pop3://alice@localhost:PORT".
std::string pop3s_url(std::uint16_t port, const std::string& host = "localhost",
                      const std::string& user = "alice");
std::string pop3_url(std::uint16_t port, const std::string& host = "localhost",
                     const std::string& user = "alice");

// A server that offers STLS (USER, SASL PLAIN, STLS before TLS; USER, SASL PLAIN after), with
// localhost_identity(). Its defaults answer STLS with +OK and CAPA with those lists.
tls_test_server_options stls_server();
// A POP3S server with localhost_identity() that offers USER and SASL PLAIN, lets alice in with
// AUTH PLAIN and then answers THEN, in order.
tls_test_server_options pop3s_server(std::vector<script_step> then = {});

// One run of the CLI against a TLS test server: what the CLI did, and what the server saw of
// its first connection.
struct tls_run {
  process_result cli;
  tls_connection_record server;
  std::size_t connections = 0;
};
// Starts a server with OPTIONS, runs pop3 with ARGS(port), and waits for the server to finish
// (the CLI must connect).
tls_run run_against(tls_test_server_options options,
                    const std::function<std::vector<std::string>(std::uint16_t port)>& args,
                    const std::map<std::string, std::string>& env = {
                        {"POP3_PASSWORD", test_password}});

// "AUTH PLAIN <base64 of \0USER\0PASSWORD>", as the client sends it.
std::string auth_plain_line(const std::string& user = "alice",
                            const std::string& password = test_password);
// The step that accepts alice's AUTH PLAIN.
script_step plain_login();

// Standard base64 and MD5 in lower-case hex, from OpenSSL (not the code under test).
std::string base64(std::string_view bytes);
std::string md5_hex(std::string_view bytes);

// True if TEXT contains WORDS.
bool mentions(std::string_view text, std::string_view words);
// True if TEXT has no byte below 0x20 other than LF, and none at or above 0x7F: what the CLI
// prints about a server must reach the terminal escaped.
bool is_escaped_text(std::string_view text);
// The length of the longest line of TEXT (lines end with LF).
std::size_t longest_line(std::string_view text);

// A new empty directory under the test's temporary directory.
std::filesystem::path scratch_directory();
void write_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);

}  // namespace pop3::test
