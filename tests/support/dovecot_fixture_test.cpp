// Proves the sample-mail generator and the private Dovecot fixture against the real server. The
// project's client is not used here, so that a bug in it can never hide a bug in the fixture:
// the conversation is plain POSIX sockets, and plain OpenSSL (tls_test_client) for TLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509_vfy.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"
#include "support/test_certificates.hpp"
#include "support/tls_test_client.hpp"

namespace pop3::test {
namespace {

namespace fs = std::filesystem;

// A blocking POP3 conversation, just enough to read replies and dot-unstuff bodies.
class pop3_socket {
 public:
  pop3_socket(const std::string& host, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    // A hung server must fail the test, not hang it.
    const timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::system_error(error, std::generic_category(), "connect " + host);
    }
    greeting_ = read_line();
  }
  ~pop3_socket() { ::close(fd_); }
  pop3_socket(const pop3_socket&) = delete;
  pop3_socket& operator=(const pop3_socket&) = delete;

  const std::string& greeting() const { return greeting_; }

  // Sends one command line and returns the status line without CRLF.
  std::string command(std::string_view line) {
    send(std::string(line) + "\r\n");
    return read_line();
  }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "send");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::string read_line() {
    std::string line = read_raw_line();
    line.resize(line.size() - 2);
    return line;
  }

  // The rest of a multi-line reply: dot-unstuffed, CRLF kept, terminator removed.
  std::string read_multiline() {
    std::string body;
    for (;;) {
      const std::string line = read_raw_line();
      if (line == ".\r\n") return body;
      body.append(line, line[0] == '.' ? 1 : 0);
    }
  }

 private:
  std::string read_raw_line() {
    for (;;) {
      const std::size_t end = buffer_.find("\r\n", start_);
      if (end != std::string::npos) {
        std::string line = buffer_.substr(start_, end + 2 - start_);
        start_ = end + 2;
        return line;
      }
      buffer_.erase(0, start_);
      start_ = 0;
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "recv");
      if (n == 0) throw std::runtime_error("server closed the connection mid-line");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  std::string greeting_;
  std::string buffer_;
  std::size_t start_ = 0;
};

void log_in(pop3_socket& pop, const std::string& user, const std::string& password) {
  ASSERT_EQ(pop.command("USER " + user), "+OK");
  ASSERT_EQ(pop.command("PASS " + password), "+OK Logged in.");
}

// Big messages make EXPECT_EQ's diff useless; say where they differ instead.
std::string first_difference(const std::string& actual, const std::string& expected) {
  const auto [a, e] = std::mismatch(actual.begin(), actual.end(), expected.begin(), expected.end());
  const auto offset = static_cast<std::size_t>(a - actual.begin());
  const std::size_t context_start = offset > 40 ? offset - 40 : 0;
  return "sizes " + std::to_string(actual.size()) + " (actual) vs " +
         std::to_string(expected.size()) + " (expected), first difference at offset " +
         std::to_string(offset) +
         "\n actual: " + testing::PrintToString(actual.substr(context_start, 80)) +
         "\n expected: " + testing::PrintToString(expected.substr(context_start, 80));
}

void expect_retr_matches(pop3_socket& pop, std::size_t number, const sample_message& message) {
  SCOPED_TRACE(message.id);
  const std::string wire = message.wire();
  ASSERT_EQ(pop.command("RETR " + std::to_string(number)),
            "+OK " + std::to_string(wire.size()) + " octets");
  const std::string body = pop.read_multiline();
  EXPECT_TRUE(body == wire) << first_difference(body, wire);
}

std::size_t total_wire_size(const std::vector<sample_message>& messages) {
  std::size_t total = 0;
  for (const auto& m : messages)
    total += m.wire().size();
  return total;
}

int connect_error(const std::string& host, std::uint16_t port) {
  try {
    pop3_socket pop(host, port);
  } catch (const std::system_error& e) {
    return e.code().value();
  } catch (const std::exception&) {
    return -1;  // connected, then closed without a greeting
  }
  return 0;
}

bool contains_line(const std::string& stored, std::string_view line) {
  std::size_t start = 0;
  while (start < stored.size()) {
    const std::size_t end = stored.find('\n', start);
    if (std::string_view(stored).substr(start, end - start) == line) return true;
    start = end + 1;
  }
  return false;
}

bool has_line_of_length(const std::string& stored, std::size_t length) {
  for (std::size_t start = 0; start < stored.size();) {
    const std::size_t end = stored.find('\n', start);
    if (end - start == length) return true;
    start = end + 1;
  }
  return false;
}

// ---- the generator on its own ----

TEST(sample_mail, is_deterministic_per_seed) {
  const sample_options options{.count = 12, .seed = 3, .big_message_bytes = 100000};
  const auto a = generate_sample_mail(options);
  const auto b = generate_sample_mail(options);
  ASSERT_EQ(a.size(), 12u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].stored, b[i].stored);
  }
  const auto other_seed =
      generate_sample_mail({.count = 12, .seed = 4, .big_message_bytes = 100000});
  EXPECT_NE(a[0].stored, other_seed[0].stored);
  // A smaller count gives a prefix of the larger set.
  const auto prefix = generate_sample_mail({.count = 5, .seed = 3, .big_message_bytes = 100000});
  for (std::size_t i = 0; i < prefix.size(); ++i)
    EXPECT_EQ(prefix[i].stored, a[i].stored);
  EXPECT_EQ(generate_small_mail(20, 9)[19].stored, generate_small_mail(20, 9)[19].stored);
}

std::uint64_t fnv1a(const std::vector<sample_message>& messages) {
  std::uint64_t hash = 0xCBF29CE484222325ull;
  for (const auto& m : messages) {
    for (const char c : m.id + '\0' + m.stored) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
    }
  }
  return hash;
}

// The bytes must not depend on the compiler or standard library; a deliberate change to the
// generator updates these constants.
TEST(sample_mail, bytes_are_pinned) {
  EXPECT_EQ(fnv1a(generate_sample_mail({.count = 36, .seed = 1, .big_message_bytes = 1u << 16})),
            10388852737771618816ull);
  EXPECT_EQ(fnv1a(generate_small_mail(20, 1)), 922555509414878036ull);
}

TEST(sample_mail, covers_the_edge_cases) {
  const auto messages = generate_sample_mail({});
  ASSERT_EQ(messages.size(), 36u);
  std::set<std::string> ids;
  bool lone_dot = false, double_dot = false, hidden = false, long_1500 = false, long_10000 = false;
  bool eight_bit = false, empty_body = false, tiny = false, big = false;
  for (const auto& m : messages) {
    SCOPED_TRACE(m.id);
    EXPECT_TRUE(ids.insert(m.id).second) << "duplicate id";
    EXPECT_NE(m.stored.find("\nX-Sample-Id: " + m.id + "\n"), std::string::npos);
    ASSERT_FALSE(m.stored.empty());
    EXPECT_EQ(m.stored.back(), '\n');
    EXPECT_EQ(m.stored.find('\0'), std::string::npos);
    EXPECT_EQ(m.stored.find('\r'), std::string::npos);
    const auto lf = static_cast<std::size_t>(std::count(m.stored.begin(), m.stored.end(), '\n'));
    EXPECT_EQ(m.wire().size(), m.stored.size() + lf);
    lone_dot |= contains_line(m.stored, ".");
    double_dot |= contains_line(m.stored, "..");
    hidden |= m.stored.find("\n.hidden") != std::string::npos;
    long_1500 |= has_line_of_length(m.stored, 1500);
    long_10000 |= has_line_of_length(m.stored, 10000);
    eight_bit |= std::any_of(m.stored.begin(), m.stored.end(),
                             [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    empty_body |= m.stored.find("\n\n") == m.stored.size() - 2;
    tiny |= m.stored.size() < 300;
    big |= m.stored.size() == (5u << 20) && m.stored.find("\n.\n") != std::string::npos;
  }
  EXPECT_TRUE(lone_dot);
  EXPECT_TRUE(double_dot);
  EXPECT_TRUE(hidden);
  EXPECT_TRUE(long_1500);
  EXPECT_TRUE(long_10000);
  EXPECT_TRUE(eight_bit);
  EXPECT_TRUE(empty_body);
  EXPECT_TRUE(tiny);
  EXPECT_TRUE(big);
}

TEST(sample_mail, small_mail_is_two_to_six_kib) {
  const auto messages = generate_small_mail(200, 1);
  ASSERT_EQ(messages.size(), 200u);
  std::set<std::string> ids;
  for (const auto& m : messages) {
    EXPECT_TRUE(ids.insert(m.id).second) << m.id;
    EXPECT_GE(m.stored.size(), 2048u) << m.id;
    EXPECT_LE(m.stored.size(), 6144u) << m.id;
    EXPECT_EQ(m.stored.back(), '\n');
  }
}

// ---- against the real Dovecot ----

TEST(dovecot_fixture, retr_returns_exactly_the_delivered_bytes_in_delivery_order) {
  dovecot_server server({{"alice", "secret"}});
  const auto messages = generate_sample_mail({});
  server.deliver("alice", messages);
  EXPECT_EQ(server.maildir_message_count("alice"), messages.size());

  pop3_socket pop(server.host(), server.port());
  EXPECT_EQ(pop.greeting().rfind("+OK ", 0), 0u) << pop.greeting();
  log_in(pop, "alice", "secret");
  EXPECT_EQ(pop.command("STAT"), "+OK " + std::to_string(messages.size()) + " " +
                                     std::to_string(total_wire_size(messages)));

  ASSERT_EQ(pop.command("LIST").rfind("+OK", 0), 0u);
  std::string expected_listing;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    expected_listing +=
        std::to_string(i + 1) + " " + std::to_string(messages[i].wire().size()) + "\r\n";
  }
  EXPECT_EQ(pop.read_multiline(), expected_listing);

  // Message n is messages[n-1]: the ordering write_maildir promises.
  for (std::size_t i = 0; i < messages.size(); ++i)
    expect_retr_matches(pop, i + 1, messages[i]);

  ASSERT_EQ(pop.command("UIDL").rfind("+OK", 0), 0u);
  // pop3_uidl_format = %08Xu%08Xv: the UID (1, 2, ... in delivery order) and UIDVALIDITY in hex;
  // Dovecot's %X prints lowercase digits.
  const std::string uidl = pop.read_multiline();
  std::size_t start = 0;
  for (std::size_t i = 1; i <= messages.size(); ++i) {
    const std::size_t end = uidl.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "UIDL listing ends after " << i - 1 << " entries";
    const std::string line = uidl.substr(start, end - start);
    std::array<char, 16> uid_hex{};
    std::snprintf(uid_hex.data(), uid_hex.size(), "%08zx", i);
    EXPECT_EQ(line.substr(0, line.find(' ') + 9), std::to_string(i) + " " + uid_hex.data());
    EXPECT_EQ(line.size(), std::to_string(i).size() + 1 + 16) << line;
    start = end + 2;
  }
  EXPECT_EQ(start, uidl.size());
  EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
}

TEST(dovecot_fixture, wrong_password_is_rejected) {
  dovecot_server server({{"alice", "secret"}});
  pop3_socket pop(server.host(), server.port());
  ASSERT_EQ(pop.command("USER alice"), "+OK");
  EXPECT_EQ(pop.command("PASS wrong"), "-ERR [AUTH] Authentication failed.");
  // No penalty delay for the next attempt (the fixture disables Dovecot's auth penalty).
  pop3_socket again(server.host(), server.port());
  log_in(again, "alice", "secret");
}

TEST(dovecot_fixture, stop_really_stops_the_server) {
  auto server =
      std::make_unique<dovecot_server>(std::vector<dovecot_server::user>{{"alice", "secret"}});
  const std::uint16_t port = server->port();
  const fs::path dir = server->dir();
  {
    pop3_socket pop(server->host(), port);
    EXPECT_EQ(pop.command("QUIT"), "+OK Logging out");
  }
  server->stop();
  EXPECT_EQ(connect_error("127.0.0.1", port), ECONNREFUSED);
  server.reset();
  EXPECT_FALSE(fs::exists(dir));
}

TEST(dovecot_fixture, many_small_messages_pipelined) {
  dovecot_server server({{"alice", "secret"}});
  const auto messages = generate_small_mail(200, 5);
  server.deliver("alice", messages);
  pop3_socket pop(server.host(), server.port());
  log_in(pop, "alice", "secret");
  std::string batch;
  for (std::size_t i = 1; i <= messages.size(); ++i)
    batch += "RETR " + std::to_string(i) + "\r\n";
  pop.send(batch);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    SCOPED_TRACE(messages[i].id);
    const std::string wire = messages[i].wire();
    ASSERT_EQ(pop.read_line(), "+OK " + std::to_string(wire.size()) + " octets");
    EXPECT_EQ(pop.read_multiline(), wire);
  }
  EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
}

TEST(dovecot_fixture, second_delivery_is_numbered_after_the_first) {
  dovecot_server server({{"alice", "secret"}});
  const auto first = generate_small_mail(3, 1);
  const auto second = generate_small_mail(4, 2);
  server.deliver("alice", first);
  {
    pop3_socket pop(server.host(), server.port());
    log_in(pop, "alice", "secret");
    EXPECT_EQ(pop.command("STAT"), "+OK 3 " + std::to_string(total_wire_size(first)));
    EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
  }
  server.deliver("alice", second);
  pop3_socket pop(server.host(), server.port());
  log_in(pop, "alice", "secret");
  EXPECT_EQ(pop.command("STAT"),
            "+OK 7 " + std::to_string(total_wire_size(first) + total_wire_size(second)));
  for (std::size_t i = 0; i < first.size(); ++i)
    expect_retr_matches(pop, i + 1, first[i]);
  for (std::size_t i = 0; i < second.size(); ++i)
    expect_retr_matches(pop, i + 4, second[i]);
  EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
}

TEST(dovecot_fixture, deletions_reach_the_maildir_and_a_rewritten_maildir_is_read_afresh) {
  dovecot_server server({{"alice", "secret"}});
  server.deliver("alice", generate_small_mail(5, 1));
  {
    pop3_socket pop(server.host(), server.port());
    log_in(pop, "alice", "secret");
    EXPECT_EQ(pop.command("DELE 2"), "+OK Marked to be deleted.");
    EXPECT_EQ(pop.command("QUIT"), "+OK Logging out, messages deleted.");
  }
  EXPECT_EQ(server.maildir_message_count("alice"), 4u);

  for (const char* sub : {"cur", "new"}) {
    for (const auto& entry : fs::directory_iterator(server.maildir("alice") / sub)) {
      fs::remove(entry.path());
    }
  }
  const auto replacement = generate_sample_mail({.count = 6, .seed = 2, .big_message_bytes = 0});
  server.deliver("alice", replacement);
  pop3_socket pop(server.host(), server.port());
  log_in(pop, "alice", "secret");
  EXPECT_EQ(pop.command("STAT"), "+OK 6 " + std::to_string(total_wire_size(replacement)));
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    expect_retr_matches(pop, i + 1, replacement[i]);
  }
  EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
}

TEST(dovecot_fixture, added_user_can_log_in_at_once) {
  dovecot_server server({{"alice", "secret"}});
  {
    // Makes Dovecot read the passwd-file in this second, before the new user exists.
    pop3_socket pop(server.host(), server.port());
    log_in(pop, "alice", "secret");
  }
  server.add_user({"bob", "b0b pass"});
  const auto messages = generate_small_mail(2, 3);
  server.deliver("bob", messages);
  pop3_socket pop(server.host(), server.port());
  log_in(pop, "bob", "b0b pass");
  EXPECT_EQ(pop.command("STAT"), "+OK 2 " + std::to_string(total_wire_size(messages)));
  expect_retr_matches(pop, 2, messages[1]);
  EXPECT_EQ(server.maildir_message_count("alice"), 0u);
}

TEST(dovecot_fixture, two_servers_run_side_by_side) {
  dovecot_server one({{"alice", "one"}});
  dovecot_server two({{"alice", "two"}});
  EXPECT_NE(one.port(), two.port());
  EXPECT_NE(one.dir(), two.dir());
  one.deliver("alice", generate_small_mail(1, 1));
  two.deliver("alice", generate_small_mail(2, 2));
  pop3_socket a(one.host(), one.port());
  pop3_socket b(two.host(), two.port());
  log_in(a, "alice", "one");
  log_in(b, "alice", "two");
  EXPECT_EQ(a.command("STAT").substr(0, 5), "+OK 1");
  EXPECT_EQ(b.command("STAT").substr(0, 5), "+OK 2");
}

// ---- TLS, against the real Dovecot ----

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

bool has_ipv6_loopback() {
  std::ifstream in("/proc/net/if_inet6");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("00000000000000000000000000000001 ", 0) == 0) return true;
  }
  return false;
}

tls_client_options trusting(const dovecot_server& server, std::string verify_name) {
  tls_client_options options;
  options.ca_pem = read_text_file(server.ca_file());
  options.verify_name = std::move(verify_name);
  return options;
}

std::vector<std::string> lines_of(const std::string& multiline) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= multiline.size() && !multiline.empty()) {
    const std::size_t end = std::min(multiline.find("\r\n", start), multiline.size());
    lines.push_back(multiline.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

bool contains(const std::vector<std::string>& lines, std::string_view wanted) {
  return std::find(lines.begin(), lines.end(), wanted) != lines.end();
}

std::string base64(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(n));
  return text;
}

std::string unbase64(std::string_view text) {
  std::string bytes(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) throw std::runtime_error("bad base64 from the server: " + std::string(text));
  bytes.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i)
    bytes.pop_back();
  return bytes;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// The value of "k=" in a SCRAM attribute list, e.g. scram_attribute("r=ab,s=cd", 's') == "cd".
std::string scram_attribute(const std::string& message, char key) {
  std::size_t start = 0;
  while (start < message.size()) {
    const std::size_t end = std::min(message.find(',', start), message.size());
    if (end - start >= 2 && message[start] == key && message[start + 1] == '=') {
      return message.substr(start + 2, end - start - 2);
    }
    start = end + 1;
  }
  throw std::runtime_error(std::string("SCRAM message lacks ") + key + "=: " + message);
}

// RFC 5802/7677 from OpenSSL primitives, independent of the project's SASL code: proves that
// the fixture's Dovecot really does SCRAM-SHA-256, and checks its server signature. Returns the
// final status line.
std::string scram_sha256_login(tls_test_client& pop, const std::string& user,
                               const std::string& password) {
  unsigned char random[18];
  RAND_bytes(random, sizeof random);
  const std::string client_nonce = base64(std::string_view(reinterpret_cast<char*>(random), 18));
  const std::string client_first_bare = "n=" + user + ",r=" + client_nonce;
  const std::string challenge =
      pop.command("AUTH SCRAM-SHA-256 " + base64("n,," + client_first_bare));
  if (challenge.rfind("+ ", 0) != 0) return challenge;
  const std::string server_first = unbase64(challenge.substr(2));
  const std::string nonce = scram_attribute(server_first, 'r');
  EXPECT_EQ(nonce.rfind(client_nonce, 0), 0u) << server_first;
  const std::string salt = unbase64(scram_attribute(server_first, 's'));
  const int iterations = std::stoi(scram_attribute(server_first, 'i'));

  std::string salted(SHA256_DIGEST_LENGTH, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), SHA256_DIGEST_LENGTH,
                    reinterpret_cast<unsigned char*>(salted.data()));
  const std::string without_proof = "c=biws,r=" + nonce;
  const std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
  const std::string client_key = hmac_sha256(salted, "Client Key");
  std::string proof = hmac_sha256(sha256(client_key), auth_message);
  for (std::size_t i = 0; i < proof.size(); ++i)
    proof[i] = static_cast<char>(proof[i] ^ client_key[i]);
  const std::string final_reply = pop.command(base64(without_proof + ",p=" + base64(proof)));
  if (final_reply.rfind("+ ", 0) != 0) return final_reply;
  const std::string server_signature = hmac_sha256(hmac_sha256(salted, "Server Key"), auth_message);
  EXPECT_EQ(unbase64(final_reply.substr(2)), "v=" + base64(server_signature));
  return pop.command("");
}

TEST(dovecot_fixture, pop3s_verifies_against_the_fixture_ca) {
  dovecot_server server({{"alice", "secret"}});
  ASSERT_NE(server.pop3s_port(), 0);
  ASSERT_NE(server.pop3s_port(), server.port());
  EXPECT_EQ(server.ca_file(), server.dir() / "tls" / "ca.pem");

  tls_test_client pop(server.host(), server.pop3s_port());
  tls_client_options options = trusting(server, "localhost");
  options.sni = "localhost";
  ASSERT_TRUE(pop.start_tls(options)) << pop.error();
  EXPECT_EQ(pop.verify_result(), X509_V_OK);
  EXPECT_EQ(pop.protocol_version(), "TLSv1.3");
  EXPECT_EQ(pop.read_line().rfind("+OK Dovecot", 0), 0u);
  EXPECT_EQ(pop.command("USER alice"), "+OK");
  EXPECT_EQ(pop.command("PASS secret"), "+OK Logged in.");
  EXPECT_EQ(pop.command("STAT"), "+OK 0 0");
  EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
}

TEST(dovecot_fixture, pop3s_certificate_names_localhost_and_the_loopback_addresses_only) {
  dovecot_server server({{"alice", "secret"}});
  const auto verify = [&](const std::string& address, const std::string& name) {
    tls_test_client pop(address, server.pop3s_port());
    pop.start_tls(trusting(server, name));
    return pop.verify_result();
  };
  EXPECT_EQ(verify("127.0.0.1", "127.0.0.1"), X509_V_OK);
  if (has_ipv6_loopback()) {
    EXPECT_EQ(verify("::1", "::1"), X509_V_OK);
  }
  EXPECT_EQ(verify("127.0.0.1", "pop.example.org"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify("127.0.0.1", "127.0.0.2"), X509_V_ERR_IP_ADDRESS_MISMATCH);

  // Trusting some other CA (as the system store would) is not enough.
  tls_test_client pop(server.host(), server.pop3s_port());
  tls_client_options options;
  options.ca_pem = test_ca().ca().certificate_pem;
  options.verify_name = "localhost";
  EXPECT_FALSE(pop.start_tls(options));
  EXPECT_EQ(pop.verify_result(), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST(dovecot_fixture, stls_upgrades_the_plain_port_and_capabilities_change) {
  dovecot_server server({{"alice", "secret"}});
  tls_test_client pop(server.host(), server.port());
  EXPECT_EQ(pop.read_line().rfind("+OK Dovecot", 0), 0u);
  ASSERT_EQ(pop.command("CAPA"), "+OK");
  const std::vector<std::string> before = lines_of(pop.read_multiline());
  EXPECT_TRUE(contains(before, "STLS"));
  EXPECT_TRUE(contains(before, "USER"));  // disable_plaintext_auth = no
  EXPECT_TRUE(contains(before, "SASL PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256"));

  EXPECT_EQ(pop.command("STLS"), "+OK Begin TLS negotiation now.");
  EXPECT_EQ(pop.buffered(), "");
  tls_client_options options = trusting(server, "localhost");
  options.sni = "localhost";
  ASSERT_TRUE(pop.start_tls(options)) << pop.error();
  ASSERT_EQ(pop.command("CAPA"), "+OK");
  const std::vector<std::string> after = lines_of(pop.read_multiline());
  EXPECT_FALSE(contains(after, "STLS"));
  EXPECT_TRUE(contains(after, "SASL PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256"));
  EXPECT_EQ(pop.command("USER alice"), "+OK");
  EXPECT_EQ(pop.command("PASS secret"), "+OK Logged in.");
  EXPECT_EQ(pop.command("QUIT"), "+OK Logging out.");
}

TEST(dovecot_fixture, scram_sha_256_logs_in_over_tls_and_refuses_a_wrong_password) {
  dovecot_server server({{"alice", "s3cret pw"}});
  for (const bool right : {true, false}) {
    SCOPED_TRACE(right ? "right password" : "wrong password");
    tls_test_client pop(server.host(), server.pop3s_port());
    ASSERT_TRUE(pop.start_tls(trusting(server, "localhost"))) << pop.error();
    pop.read_line();
    EXPECT_EQ(scram_sha256_login(pop, "alice", right ? "s3cret pw" : "wrong"),
              right ? "+OK Logged in." : "-ERR [AUTH] Authentication failed.");
  }
}

TEST(dovecot_fixture, tls_below_1_2_is_refused) {
  dovecot_server server({{"alice", "secret"}});
  tls_test_client pop(server.host(), server.pop3s_port());
  tls_client_options options = trusting(server, "localhost");
  options.min_protocol = TLS1_VERSION;
  options.max_protocol = TLS1_1_VERSION;
  options.legacy_security_level = true;
  EXPECT_FALSE(pop.start_tls(options));
  // Dovecot closes without an alert ("unexpected eof" here); its log says why.
  const fs::path log = server.dir() / "dovecot.log";
  for (int i = 0; i < 100 && read_text_file(log).find("unsupported protocol") == std::string::npos;
       ++i) {
    ::usleep(20000);
  }
  EXPECT_NE(
      read_text_file(log).find("SSL_accept() failed: error:0A000102:SSL routines::unsupported "
                               "protocol"),
      std::string::npos)
      << pop.error();
}

TEST(dovecot_fixture, plaintext_only_server_offers_no_tls) {
  dovecot_server server({{"alice", "secret"}}, dovecot_server::tls::disabled);
  EXPECT_EQ(server.pop3s_port(), 0);
  EXPECT_EQ(server.ca_file(), fs::path());
  EXPECT_FALSE(fs::exists(server.dir() / "pop3s_port"));
  pop3_socket pop(server.host(), server.port());
  ASSERT_EQ(pop.command("CAPA"), "+OK");
  EXPECT_EQ(pop.read_multiline().find("STLS"), std::string::npos);
  EXPECT_EQ(pop.command("STLS").rfind("-ERR", 0), 0u);
  log_in(pop, "alice", "secret");
}

}  // namespace
}  // namespace pop3::test
