#include "url.hpp"

#include <gtest/gtest.h>

namespace pop3::cli {
namespace {

server_url ok(std::string_view text) {
  std::string why;
  auto u = parse_url(text, why);
  EXPECT_TRUE(u) << text << ": " << why;
  return u ? *u : server_url{};
}

std::string refused(std::string_view text) {
  std::string why;
  auto u = parse_url(text, why);
  EXPECT_FALSE(u) << text;
  if (!u) {
    EXPECT_EQ(u.error().code, errc::invalid_argument);
  }
  return why;
}

TEST(url, forms) {
  auto u = ok("pop3://alice@pop.example.org");
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.host, "pop.example.org");
  EXPECT_EQ(u.port, 0);  // the TLS mode's default, resolved later
  EXPECT_EQ(u.tls, tls_mode::starttls);
  u = ok("pop3s://alice@pop.example.org");
  EXPECT_EQ(u.tls, tls_mode::implicit);
  EXPECT_EQ(u.port, 0);
  u = ok("pop3s://pop.example.org:1995");
  EXPECT_EQ(u.port, 1995);
  u = ok("pop3://pop.example.org:1110/");
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.port, 1110);
  u = ok("pop3://alice%40example.org@127.0.0.1:65535");
  EXPECT_EQ(u.user, "alice@example.org");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 65535);
  u = ok("pop3://bob@[::1]:2110");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 2110);
  u = ok("pop3://[::1]");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 0);
  u = ok("pop3://a@b@host");  // the last '@' separates the host
  EXPECT_EQ(u.user, "a@b");
  EXPECT_EQ(u.host, "host");
  u = ok("POP3S://Alice@Mail_1.Example-Host.org:995");  // schemes are case-insensitive
  EXPECT_EQ(u.tls, tls_mode::implicit);
  EXPECT_EQ(u.user, "Alice");
  EXPECT_EQ(u.host, "Mail_1.Example-Host.org");
  EXPECT_EQ(ok("Pop3://host").tls, tls_mode::starttls);
  u = ok("pop3://a%3Ab@[::ffff:127.0.0.1]");  // an encoded ':' is part of the user name
  EXPECT_EQ(u.user, "a:b");
  EXPECT_EQ(u.host, "::ffff:127.0.0.1");
}

TEST(url, refusals) {
  EXPECT_EQ(refused("imap://host"), "the URL must start with pop3s:// or pop3://");
  EXPECT_EQ(refused("host"), "the URL must start with pop3s:// or pop3://");
  EXPECT_EQ(refused("pop3s://"), "the URL has no host");
  EXPECT_EQ(refused("pop3://"), "the URL has no host");
  EXPECT_EQ(refused("pop3://u@"), "the URL has no host");
  EXPECT_EQ(refused("pop3://@host"), "empty user name before '@'");
  EXPECT_EQ(refused("pop3://host:0"), "the port must be a number from 1 to 65535");
  EXPECT_EQ(refused("pop3://host:65536"), "the port must be a number from 1 to 65535");
  EXPECT_EQ(refused("pop3://host:x"), "the port must be a number from 1 to 65535");
  EXPECT_EQ(refused("pop3://host:"), "empty port");
  EXPECT_EQ(refused("pop3://host/INBOX"), "the URL may not have a path, query or fragment");
  EXPECT_EQ(refused("pop3://host?x"), "the URL may not have a path, query or fragment");
  EXPECT_EQ(refused("pop3://[::1"), "missing ']' after IPv6 address");
  EXPECT_EQ(refused("pop3://[::1]x"), "unexpected text after ']'");
  // security-cases.md 30: CR/LF/NUL smuggled in through %-escapes.
  EXPECT_EQ(refused("pop3://bob%0d%0aDELE%201@host"), "control character in the user name");
  EXPECT_EQ(refused("pop3://bob%00@host"), "control character in the user name");
  EXPECT_EQ(refused("pop3://bob%2@host"), "bad %-escape in the user name");
  EXPECT_EQ(refused("pop3://bob%zz@host"), "bad %-escape in the user name");
  EXPECT_EQ(refused("pop3://ho%0ast"), "invalid character in the host");
  EXPECT_EQ(refused("pop3://a@h b"), "invalid character in the host");
  EXPECT_EQ(refused("pop3://a@h]"), "invalid character in the host");
  EXPECT_EQ(refused("pop3://a@h\xc3\xa9"), "invalid character in the host");
  EXPECT_EQ(refused("pop3://[::1 ]"), "invalid IPv6 address between brackets");
  EXPECT_EQ(refused("pop3://[host]"), "invalid IPv6 address between brackets");
  EXPECT_EQ(refused("pop3s://a@::1"),
            "an IPv6 address goes between brackets: pop3s://USER@[::1]:PORT");
  EXPECT_EQ(refused("pop3s://a@::1:995"),
            "an IPv6 address goes between brackets: pop3s://USER@[::1]:PORT");
}

TEST(url, a_password_in_the_url_is_refused_without_showing_it) {
  const std::string why = refused("pop3s://alice:hunter2@host");
  EXPECT_EQ(why,
            "the URL has a password (USER:PASSWORD@): passwords never go on the command line; "
            "use --password-file, --password-command or POP3_PASSWORD (a ':' in a user name is "
            "written %3A)");
  EXPECT_EQ(refused("pop3s://alice:@host"), why);
  EXPECT_EQ(refused("pop3s://:hunter2@host"), why);
}

}  // namespace
}  // namespace pop3::cli
