// parse_config() on valid files: every key and its exact value, inheritance from [defaults],
// the groups inherited whole (delivery, password source, client certificate), default
// ports, path resolution, the order and names of accounts.
#include <cstdint>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace pop3::agent {
namespace {

using testing::scoped_environment;

constexpr unsigned private_mode = 0600;
const std::string config_name = "/etc/pop3/config.toml";

// Every field of account_config, so that a test states the whole result.
void expect_same(const account_config& got, const account_config& want) {
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.host, want.host);
  EXPECT_EQ(got.port, want.port);
  EXPECT_EQ(got.tls, want.tls);
  EXPECT_EQ(got.user, want.user);
  EXPECT_EQ(got.auth, want.auth);
  EXPECT_EQ(got.xoauth2_one_step, want.xoauth2_one_step);
  EXPECT_EQ(got.password.command, want.password.command);
  EXPECT_EQ(got.password.file, want.password.file);
  EXPECT_EQ(got.password.value, want.password.value);
  EXPECT_EQ(got.password.environment, want.password.environment);
  EXPECT_EQ(got.ca_file, want.ca_file);
  EXPECT_EQ(got.pins, want.pins);
  EXPECT_EQ(got.insecure, want.insecure);
  EXPECT_EQ(got.client_certificate, want.client_certificate);
  EXPECT_EQ(got.client_key, want.client_key);
  EXPECT_EQ(got.delivery, want.delivery);
  EXPECT_EQ(got.delivery_target, want.delivery_target);
  EXPECT_EQ(got.ends, want.ends);
  EXPECT_EQ(got.keep, want.keep);
  EXPECT_EQ(got.keep_days, want.keep_days);
  EXPECT_EQ(got.only_new, want.only_new);
  EXPECT_EQ(got.max_size, want.max_size);
  EXPECT_EQ(got.max_size_action, want.max_size_action);
  EXPECT_EQ(got.pipelining, want.pipelining);
  EXPECT_EQ(got.timeout_seconds, want.timeout_seconds);
  EXPECT_EQ(got.defined_at, want.defined_at);
}

fetch_config parse_valid(const std::string& text, const std::string& name = config_name) {
  std::string why;
  auto config = parse_config(text, name, private_mode, why);
  EXPECT_TRUE(config.has_value()) << why;
  EXPECT_EQ(why, "");
  return config ? *config : fetch_config{};
}

certificate_pin pin_of_bytes(unsigned char first, unsigned char step) {
  certificate_pin pin;
  for (std::size_t i = 0; i < pin.sha256.size(); ++i)
    pin.sha256[i] = static_cast<unsigned char>(first + step * i);
  return pin;
}

TEST(parse_config, reads_every_key_to_its_exact_value) {
  scoped_environment home("HOME", "/home/alice");
  auto config = parse_valid(R"([defaults]
tls = "starttls"
keep = true
only_new = false
pipelining = "off"
timeout = 30.5
password_env = "MAIL_PASSWORD"
line_ending = "crlf"

[accounts.work]
host = "pop.example.org"
port = 1995
tls = "implicit"
user = "alice@example.org"
auth = "scram-sha-256"
xoauth2_one_step = true
password_command = "pass show mail/work"
cafile = "~/certs/ca.pem"
pins = ["sha256:abababababababababababababababababababababababababababababababab",
        "sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]
insecure = true
cert = "certs/client.pem"
key = "/etc/ssl/private/client.key"
maildir = "~/Mail/work"
line_ending = "lf"
keep = false
keep_days = 14
only_new = true
max_size = "25M"
max_size_action = "delete"
pipelining = "on"
timeout = 90

[accounts.home]
host = "mail.example.net"
user = "alice"
auth = "XOAUTH2"
password_file = "secrets/home"
mbox = "/var/mail/alice"
max_size = 1048576
max_size_action = "warn"
keep_days = 0

[accounts.list]
host = "lists.example.com"
tls = "none"
user = "alice"
password = "correct horse"
mda = "procmail -d alice ~/.procmailrc"
)");
  ASSERT_EQ(config.accounts.size(), 3U);
  EXPECT_EQ(config.file, std::filesystem::path(config_name));

  account_config work;
  work.name = "work";
  work.host = "pop.example.org";
  work.port = 1995;
  work.tls = tls_mode::implicit;
  work.user = "alice@example.org";
  work.auth = auth_mechanism::scram_sha_256;
  work.xoauth2_one_step = true;
  work.password.command = "pass show mail/work";
  work.ca_file = "/home/alice/certs/ca.pem";
  work.pins = {pin_of_bytes(0xab, 0), pin_of_bytes(0, 1)};
  work.insecure = true;
  work.client_certificate = "/etc/pop3/certs/client.pem";
  work.client_key = "/etc/ssl/private/client.key";
  work.delivery = delivery_kind::maildir;
  work.delivery_target = "/home/alice/Mail/work";
  work.ends = line_ending::lf;
  work.keep = false;
  work.keep_days = 14;
  work.only_new = true;
  work.max_size = 25U << 20;
  work.max_size_action = oversize_action::remove;
  work.pipelining = pipelining_mode::on;
  work.timeout_seconds = 90;
  work.defined_at = "/etc/pop3/config.toml:10";
  expect_same(config.accounts[0], work);

  account_config home_account;
  home_account.name = "home";
  home_account.host = "mail.example.net";
  home_account.port = 110;
  home_account.tls = tls_mode::starttls;
  home_account.user = "alice";
  home_account.auth = auth_mechanism::xoauth2;
  home_account.password.file = "/etc/pop3/secrets/home";
  home_account.delivery = delivery_kind::mbox;
  home_account.delivery_target = "/var/mail/alice";
  home_account.ends = line_ending::crlf;
  home_account.keep = true;
  home_account.keep_days = 0;
  home_account.only_new = false;
  home_account.max_size = 1048576;
  home_account.max_size_action = oversize_action::warn;
  home_account.pipelining = pipelining_mode::off;
  home_account.timeout_seconds = 30.5;
  home_account.defined_at = "/etc/pop3/config.toml:34";
  expect_same(config.accounts[1], home_account);

  account_config list;
  list.name = "list";
  list.host = "lists.example.com";
  list.port = 110;
  list.tls = tls_mode::none;
  list.user = "alice";
  list.password.value = "correct horse";
  list.delivery = delivery_kind::mda;
  list.delivery_target = "procmail -d alice ~/.procmailrc";
  list.ends = line_ending::crlf;
  list.keep = true;
  list.only_new = false;
  list.pipelining = pipelining_mode::off;
  list.timeout_seconds = 30.5;
  list.defined_at = "/etc/pop3/config.toml:44";
  expect_same(config.accounts[2], list);
}

TEST(parse_config, gives_the_documented_defaults_to_a_minimal_account) {
  auto config = parse_valid(R"([accounts.a]
host = "h"
user = "u"
maildir = "/m"
)");
  ASSERT_EQ(config.accounts.size(), 1U);
  account_config want;
  want.name = "a";
  want.host = "h";
  want.port = 995;
  want.user = "u";
  want.delivery_target = "/m";
  want.defined_at = "/etc/pop3/config.toml:1";
  expect_same(config.accounts[0], want);
}

TEST(parse_config, an_account_naming_a_password_variable_inherits_no_other_source) {
  // Else the command of [defaults] would run, and its password go to this account's server.
  auto config = parse_valid(R"([defaults]
password_command = "pass show personal"
maildir = "/Mail"

[accounts.work]
host = "pop.example.org"
user = "alice"
password_env = "WORK_PW"

[accounts.home]
host = "pop.example.net"
user = "alice"
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  EXPECT_EQ(config.accounts[0].password.environment, "WORK_PW");
  EXPECT_EQ(config.accounts[0].password.command, std::nullopt);
  EXPECT_EQ(config.accounts[1].password.command, "pass show personal");
  EXPECT_EQ(config.accounts[1].password.environment, "POP3_PASSWORD");
}

TEST(parse_config, accounts_inherit_every_key_of_defaults_and_override_it) {
  auto config = parse_valid(R"([defaults]
host = "pop.example.org"
port = 1100
tls = "starttls"
user = "shared"
auth = "plain"
xoauth2_one_step = true
password_env = "PW"
cafile = "/ca.pem"
pins = ["sha256:abababababababababababababababababababababababababababababababab"]
insecure = true
cert = "/c.pem"
key = "/k.pem"
maildir = "/Mail"
line_ending = "crlf"
keep = true
keep_days = 3
only_new = false
max_size = "1K"
max_size_action = "warn"
pipelining = "on"
timeout = 5

[accounts.inherits]

[accounts.overrides]
host = "other.example.org"
port = 2000
tls = "none"
user = "me"
auth = "user"
xoauth2_one_step = false
password_env = "MY_PW"
cafile = "/other-ca.pem"
pins = []
insecure = false
line_ending = "lf"
keep = false
keep_days = 30
only_new = true
max_size = "2K"
max_size_action = "skip"
pipelining = "auto"
timeout = 7.25
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  account_config inherits;
  inherits.name = "inherits";
  inherits.host = "pop.example.org";
  inherits.port = 1100;
  inherits.tls = tls_mode::starttls;
  inherits.user = "shared";
  inherits.auth = auth_mechanism::plain;
  inherits.xoauth2_one_step = true;
  inherits.password.environment = "PW";
  inherits.ca_file = "/ca.pem";
  inherits.pins = {pin_of_bytes(0xab, 0)};
  inherits.insecure = true;
  inherits.client_certificate = "/c.pem";
  inherits.client_key = "/k.pem";
  inherits.delivery = delivery_kind::maildir;
  inherits.delivery_target = "/Mail";
  inherits.ends = line_ending::crlf;
  inherits.keep = true;
  inherits.keep_days = 3;
  inherits.only_new = false;
  inherits.max_size = 1024;
  inherits.max_size_action = oversize_action::warn;
  inherits.pipelining = pipelining_mode::on;
  inherits.timeout_seconds = 5;
  inherits.defined_at = "/etc/pop3/config.toml:24";
  expect_same(config.accounts[0], inherits);

  account_config overrides = inherits;
  overrides.name = "overrides";
  overrides.host = "other.example.org";
  overrides.port = 2000;
  overrides.tls = tls_mode::none;
  overrides.user = "me";
  overrides.auth = auth_mechanism::user;
  overrides.xoauth2_one_step = false;
  overrides.password.environment = "MY_PW";
  overrides.ca_file = "/other-ca.pem";
  overrides.pins.clear();
  overrides.insecure = false;
  overrides.ends = line_ending::lf;
  overrides.keep = false;
  overrides.keep_days = 30;
  overrides.only_new = true;
  overrides.max_size = 2048;
  overrides.max_size_action = oversize_action::skip;
  overrides.pipelining = pipelining_mode::automatic;
  overrides.timeout_seconds = 7.25;
  overrides.defined_at = "/etc/pop3/config.toml:26";
  expect_same(config.accounts[1], overrides);
}

TEST(parse_config, an_account_delivery_replaces_the_default_delivery_whole) {
  auto config = parse_valid(R"([defaults]
user = "u"
maildir = "/Mail/all"

[accounts.maildir]
host = "a"

[accounts.mbox]
host = "b"
mbox = "/var/mail/u"

[accounts.mda]
host = "c"
mda = "procmail"
)");
  ASSERT_EQ(config.accounts.size(), 3U);
  EXPECT_EQ(config.accounts[0].delivery, delivery_kind::maildir);
  EXPECT_EQ(config.accounts[0].delivery_target, "/Mail/all");
  EXPECT_EQ(config.accounts[1].delivery, delivery_kind::mbox);
  EXPECT_EQ(config.accounts[1].delivery_target, "/var/mail/u");
  EXPECT_EQ(config.accounts[2].delivery, delivery_kind::mda);
  EXPECT_EQ(config.accounts[2].delivery_target, "procmail");
}

TEST(parse_config, an_account_password_source_replaces_the_default_one_whole) {
  auto config = parse_valid(R"([defaults]
host = "h"
user = "u"
maildir = "/m"
password_command = "pass show default"

[accounts.command]

[accounts.file]
password_file = "/pw"

[accounts.value]
password = "secret"
)");
  ASSERT_EQ(config.accounts.size(), 3U);
  EXPECT_EQ(config.accounts[0].password.command, "pass show default");
  EXPECT_EQ(config.accounts[0].password.file, std::nullopt);
  EXPECT_EQ(config.accounts[1].password.command, std::nullopt);
  EXPECT_EQ(config.accounts[1].password.file, std::filesystem::path("/pw"));
  EXPECT_EQ(config.accounts[2].password.command, std::nullopt);
  EXPECT_EQ(config.accounts[2].password.value, "secret");
}

TEST(parse_config, an_account_client_certificate_replaces_the_default_one_whole) {
  auto config = parse_valid(R"([defaults]
host = "h"
user = "u"
maildir = "/m"
cert = "/default.pem"
key = "/default.key"

[accounts.inherited]

[accounts.own]
cert = "/own.pem"
key = "/own.key"
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  EXPECT_EQ(config.accounts[0].client_certificate, std::filesystem::path("/default.pem"));
  EXPECT_EQ(config.accounts[0].client_key, std::filesystem::path("/default.key"));
  EXPECT_EQ(config.accounts[1].client_certificate, std::filesystem::path("/own.pem"));
  EXPECT_EQ(config.accounts[1].client_key, std::filesystem::path("/own.key"));
}

TEST(parse_config, the_default_port_follows_tls_unless_a_port_is_given) {
  auto config = parse_valid(R"([defaults]
host = "h"
user = "u"
maildir = "/m"

[accounts.implicit]
tls = "implicit"
[accounts.starttls]
tls = "starttls"
[accounts.none]
tls = "none"
[accounts.unset]
[accounts.given]
tls = "none"
port = 995
)");
  ASSERT_EQ(config.accounts.size(), 5U);
  EXPECT_EQ(config.accounts[0].port, 995);
  EXPECT_EQ(config.accounts[1].port, 110);
  EXPECT_EQ(config.accounts[2].port, 110);
  EXPECT_EQ(config.accounts[3].port, 995);
  EXPECT_EQ(config.accounts[4].port, 995);
}

TEST(parse_config, the_default_port_follows_the_tls_of_the_account_not_of_defaults) {
  auto config = parse_valid(R"([defaults]
tls = "starttls"
[accounts.a]
host = "h"
user = "u"
maildir = "/m"
tls = "implicit"
)");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.accounts[0].port, 995);
}

TEST(parse_config, keeps_the_order_of_the_file_and_any_account_name) {
  auto config = parse_valid(R"([defaults]
host = "h"
user = "u"
maildir = "/m"

[accounts.zeta]
[accounts."my mail.box"]
[accounts.alpha]
[accounts."ünïcode"]
)");
  ASSERT_EQ(config.accounts.size(), 4U);
  EXPECT_EQ(config.accounts[0].name, "zeta");
  EXPECT_EQ(config.accounts[1].name, "my mail.box");
  EXPECT_EQ(config.accounts[2].name, "alpha");
  EXPECT_EQ(config.accounts[3].name, "ünïcode");
  EXPECT_EQ(config.accounts[1].defined_at, "/etc/pop3/config.toml:7");
}

TEST(parse_config, accepts_dotted_keys_and_inline_tables) {
  auto config = parse_valid(R"(defaults.user = "u"
accounts.a.host = "h"
accounts.a.maildir = "/m"
accounts.b = { host = "h2", mbox = "/mb", port = 1 }
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  EXPECT_EQ(config.accounts[0].name, "a");
  EXPECT_EQ(config.accounts[0].user, "u");
  EXPECT_EQ(config.accounts[1].name, "b");
  EXPECT_EQ(config.accounts[1].host, "h2");
  EXPECT_EQ(config.accounts[1].port, 1);
  EXPECT_EQ(config.accounts[1].user, "u");
}

TEST(parse_config, user_may_be_left_out_with_auth_external) {
  auto config = parse_valid(R"([accounts.a]
host = "h"
auth = "external"
cert = "/c.pem"
key = "/k.pem"
maildir = "/m"
)");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.accounts[0].user, "");
  EXPECT_EQ(config.accounts[0].auth, auth_mechanism::external);
}

TEST(parse_config, max_size_action_alone_in_defaults_applies_to_accounts_with_max_size) {
  auto config = parse_valid(R"([defaults]
host = "h"
user = "u"
maildir = "/m"
max_size_action = "delete"
[accounts.without]
[accounts.with]
max_size = "10M"
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  EXPECT_EQ(config.accounts[0].max_size, std::nullopt);
  EXPECT_EQ(config.accounts[1].max_size, 10U << 20);
  EXPECT_EQ(config.accounts[1].max_size_action, oversize_action::remove);
}

TEST(parse_config, timeout_takes_integers_and_floats_within_bounds) {
  auto config = parse_valid(R"([defaults]
host = "h"
user = "u"
maildir = "/m"
[accounts.one]
timeout = 1
[accounts.short]
timeout = 0.001
[accounts.long]
timeout = 86400.0
[accounts.day]
timeout = 86400
)");
  ASSERT_EQ(config.accounts.size(), 4U);
  EXPECT_EQ(config.accounts[0].timeout_seconds, 1.0);
  EXPECT_EQ(config.accounts[1].timeout_seconds, 0.001);
  EXPECT_EQ(config.accounts[2].timeout_seconds, 86400.0);
  EXPECT_EQ(config.accounts[3].timeout_seconds, 86400.0);
}

TEST(parse_config, resolves_relative_paths_against_the_directory_of_the_file) {
  scoped_environment home("HOME", "/home/alice");
  auto config = parse_valid(R"([accounts.a]
host = "h"
user = "u"
maildir = "Mail/../Mail/a"
password_file = "./pw"
cafile = "~"
cert = "/abs//c.pem"
key = "../keys/k.pem"
)");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.accounts[0].delivery_target, "/etc/pop3/Mail/a");
  EXPECT_EQ(config.accounts[0].password.file, std::filesystem::path("/etc/pop3/pw"));
  EXPECT_EQ(config.accounts[0].ca_file, std::filesystem::path("/home/alice"));
  EXPECT_EQ(config.accounts[0].client_certificate, std::filesystem::path("/abs/c.pem"));
  EXPECT_EQ(config.accounts[0].client_key, std::filesystem::path("/etc/keys/k.pem"));
}

TEST(parse_config, resolves_relative_paths_from_the_current_directory_for_a_relative_name) {
  auto config = parse_valid(R"([accounts.a]
host = "h"
user = "u"
mbox = "mbox"
)",
                            "conf/config.toml");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.accounts[0].delivery_target,
            (std::filesystem::current_path() / "conf" / "mbox").string());
}

}  // namespace
}  // namespace pop3::agent
