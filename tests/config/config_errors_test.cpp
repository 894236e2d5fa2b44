// parse_config() on malformed files: each refused with errc::invalid_argument and the exact
// one-line message "FILE:LINE:COLUMN: KEY: what is wrong". And no message, whatever the
// error, ever contains a password.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace pop3::agent {
namespace {

// A valid account on lines 1-4; a case adds its line 5.
const std::string account = R"([accounts.work]
host = "h"
user = "u"
maildir = "/m"
)";

struct malformed_case {
  std::string label;
  std::string text;
  std::string expected;
};

std::ostream& operator<<(std::ostream& out, const malformed_case& c) {
  return out << c.label;
}

class malformed_file : public ::testing::TestWithParam<malformed_case> {};

TEST_P(malformed_file, is_refused_with_the_exact_line) {
  std::string why;
  auto config = parse_config(GetParam().text, "cfg.toml", 0600, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::invalid_argument);
  EXPECT_EQ(why, GetParam().expected);
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

std::string label_of(const ::testing::TestParamInfo<malformed_case>& info) {
  return info.param.label;
}

constexpr std::string_view login_methods =
    "auto, user, apop, plain, login, cram-md5, scram-sha-1, scram-sha-256, xoauth2, "
    "oauthbearer, external";

INSTANTIATE_TEST_SUITE_P(
    syntax_and_shape, malformed_file,
    ::testing::Values(
        malformed_case{"syntax_error", "[accounts.work\nhost = \"h\"\n",
                       "cfg.toml:1:15: TOML syntax: Error while parsing table header: expected "
                       "']', saw '\\n'"},
        malformed_case{"syntax_error_multi_line_description", account + "keep = tru\n",
                       "cfg.toml:5:11: TOML syntax: Error while parsing boolean: expected "
                       "'true', saw 'tru\\n'"},
        malformed_case{"key_defined_twice", account + "host = \"i\"\n",
                       "cfg.toml:5:8: TOML syntax: Error while parsing key-value pair: cannot "
                       "redefine existing string 'host'"},
        malformed_case{"unknown_key", account + "hots = \"h\"\n",
                       "cfg.toml:5:1: accounts.work.hots: unknown key"},
        malformed_case{"unknown_key_in_defaults", "[defaults]\nverbose = true\n" + account,
                       "cfg.toml:2:1: defaults.verbose: unknown key"},
        malformed_case{"unknown_table_in_account", account + "[accounts.work.server]\nx = 1\n",
                       "cfg.toml:5:16: accounts.work.server: unknown table"},
        malformed_case{"unknown_top_level_table", account + "[server]\nhost = \"h\"\n",
                       "cfg.toml:5:2: server: unknown table: the tables are [defaults] and "
                       "[accounts.NAME]"},
        malformed_case{"unknown_top_level_key", "verbose = true\n" + account,
                       "cfg.toml:1:1: verbose: unknown key: keys belong in [defaults] or "
                       "[accounts.NAME]"},
        malformed_case{"first_error_in_file_order", account + "zzz = 1\naaa = 2\n",
                       "cfg.toml:5:1: accounts.work.zzz: unknown key"},
        malformed_case{"quoted_account_name_in_path",
                       "[accounts.\"my box\"]\nhost = \"h\"\nport = 0\n",
                       "cfg.toml:3:8: accounts.\"my box\".port: 0 is out of range 1-65535"},
        malformed_case{"control_character_in_name_escaped",
                       "[accounts.\"a\\nb\"]\nhost = \"h\"\nport = 0\n",
                       "cfg.toml:3:8: accounts.\"a\\nb\".port: 0 is out of range 1-65535"},
        malformed_case{"empty_account_name", "[accounts.\"\"]\nhost = \"h\"\n",
                       "cfg.toml:1:11: accounts.\"\": an account's name must not be empty"},
        malformed_case{"empty_file", "", "cfg.toml: no accounts: add an [accounts.NAME] table"},
        malformed_case{"only_comments", "# nothing\n\n",
                       "cfg.toml: no accounts: add an [accounts.NAME] table"},
        malformed_case{"only_defaults", "[defaults]\nkeep = true\n",
                       "cfg.toml: no accounts: add an [accounts.NAME] table"},
        malformed_case{"empty_accounts_table", "[defaults]\n[accounts]\n",
                       "cfg.toml:2:1: accounts: no accounts: add an [accounts.NAME] table"}),
    label_of);

INSTANTIATE_TEST_SUITE_P(
    wrong_types, malformed_file,
    ::testing::Values(
        malformed_case{"defaults_not_a_table", "defaults = 1\n" + account,
                       "cfg.toml:1:12: defaults: expected a table, got an integer"},
        malformed_case{"accounts_array_of_tables", "[[accounts]]\nhost = \"h\"\n",
                       "cfg.toml:1:1: accounts: expected a table, got an array"},
        malformed_case{"account_not_a_table", "[accounts]\nwork = \"pop.example.org\"\n",
                       "cfg.toml:2:8: accounts.work: expected a table, got a string"},
        malformed_case{"string_key_given_an_integer", "[accounts.work]\nhost = 1\n",
                       "cfg.toml:2:8: accounts.work.host: expected a string, got an integer"},
        malformed_case{"string_key_given_a_date", "[accounts.work]\nhost = 1979-05-27\n",
                       "cfg.toml:2:8: accounts.work.host: expected a string, got a date"},
        malformed_case{"enum_key_given_a_boolean", account + "tls = true\n",
                       "cfg.toml:5:7: accounts.work.tls: expected a string, got a boolean"},
        malformed_case{"path_key_given_an_array", account + "cafile = [\"/ca\"]\n",
                       "cfg.toml:5:10: accounts.work.cafile: expected a string, got an array"},
        malformed_case{"boolean_key_given_a_string", account + "keep = \"yes\"\n",
                       "cfg.toml:5:8: accounts.work.keep: expected true or false, got a string"},
        malformed_case{"integer_key_given_a_string", account + "port = \"995\"\n",
                       "cfg.toml:5:8: accounts.work.port: expected an integer, got a string"},
        malformed_case{"integer_key_given_a_float", account + "keep_days = 1.5\n",
                       "cfg.toml:5:13: accounts.work.keep_days: expected an integer, got a "
                       "float"},
        malformed_case{"number_key_given_a_string", account + "timeout = \"60\"\n",
                       "cfg.toml:5:11: accounts.work.timeout: expected a number of seconds, "
                       "got a string"},
        malformed_case{"size_key_given_a_boolean", account + "max_size = true\n",
                       "cfg.toml:5:12: accounts.work.max_size: expected an integer or a "
                       "string, got a boolean"},
        malformed_case{"array_key_given_a_string",
                       account + "pins = \"sha256:" + std::string(64, 'a') + "\"\n",
                       "cfg.toml:5:8: accounts.work.pins: expected an array of strings, got a "
                       "string"},
        malformed_case{"array_element_of_wrong_type", account + "pins = [1]\n",
                       "cfg.toml:5:9: accounts.work.pins[0]: expected a string, got an integer"},
        malformed_case{"string_key_given_a_table", account + "[accounts.work.mda]\nx = 1\n",
                       "cfg.toml:5:1: accounts.work.mda: expected a string, got a table"}),
    label_of);

INSTANTIATE_TEST_SUITE_P(
    wrong_values, malformed_file,
    ::testing::Values(
        malformed_case{"port_0", account + "port = 0\n",
                       "cfg.toml:5:8: accounts.work.port: 0 is out of range 1-65535"},
        malformed_case{"port_70000", account + "port = 70000\n",
                       "cfg.toml:5:8: accounts.work.port: 70000 is out of range 1-65535"},
        malformed_case{"port_negative", account + "port = -1\n",
                       "cfg.toml:5:8: accounts.work.port: -1 is out of range 1-65535"},
        malformed_case{"bad_tls", account + "tls = \"ssl\"\n",
                       "cfg.toml:5:7: accounts.work.tls: \"ssl\" is not one of implicit, "
                       "starttls, none"},
        malformed_case{"tls_is_case_sensitive", account + "tls = \"STARTTLS\"\n",
                       "cfg.toml:5:7: accounts.work.tls: \"STARTTLS\" is not one of implicit, "
                       "starttls, none"},
        malformed_case{"bad_pipelining", account + "pipelining = \"maybe\"\n",
                       "cfg.toml:5:14: accounts.work.pipelining: \"maybe\" is not one of auto, "
                       "on, off"},
        malformed_case{"bad_auth", account + "auth = \"digest-md5\"\n",
                       "cfg.toml:5:8: accounts.work.auth: \"digest-md5\" is not a login "
                       "method: " +
                           std::string(login_methods)},
        malformed_case{"bad_line_ending", account + "line_ending = \"cr\"\n",
                       "cfg.toml:5:15: accounts.work.line_ending: \"cr\" is not one of lf, crlf"},
        malformed_case{"bad_max_size_action",
                       account + "max_size = 1\nmax_size_action = \"bounce\"\n",
                       "cfg.toml:6:19: accounts.work.max_size_action: \"bounce\" is not one of "
                       "skip, delete, warn"},
        malformed_case{"bad_value_in_defaults", "[defaults]\ntls = \"ssl\"\n" + account,
                       "cfg.toml:2:7: defaults.tls: \"ssl\" is not one of implicit, starttls, "
                       "none"},
        malformed_case{"long_value_cut", account + "tls = \"" + std::string(70, 'x') + "\"\n",
                       "cfg.toml:5:7: accounts.work.tls: \"" + std::string(64, 'x') +
                           "\"... is not one of implicit, starttls, none"},
        malformed_case{"empty_host", "[accounts.work]\nhost = \"\"\n",
                       "cfg.toml:2:8: accounts.work.host: must not be empty"},
        malformed_case{"nul_in_host", "[accounts.work]\nhost = \"a\\u0000b\"\n",
                       "cfg.toml:2:8: accounts.work.host: must not contain a NUL character"},
        malformed_case{"negative_keep_days", account + "keep_days = -1\n",
                       "cfg.toml:5:13: accounts.work.keep_days: -1 is negative: a number of "
                       "days, 0 or more"},
        malformed_case{"huge_keep_days", account + "keep_days = 4294967296\n",
                       "cfg.toml:5:13: accounts.work.keep_days: 4294967296 is too large: at "
                       "most 4294967295 days"},
        malformed_case{"timeout_0", account + "timeout = 0\n",
                       "cfg.toml:5:11: accounts.work.timeout: 0 is out of range 0.001-86400 "
                       "seconds"},
        malformed_case{"timeout_too_long", account + "timeout = 86401\n",
                       "cfg.toml:5:11: accounts.work.timeout: 86401 is out of range "
                       "0.001-86400 seconds"},
        malformed_case{"timeout_negative_float", account + "timeout = -0.5\n",
                       "cfg.toml:5:11: accounts.work.timeout: out of range 0.001-86400 seconds"},
        malformed_case{"timeout_too_short", account + "timeout = 0.0001\n",
                       "cfg.toml:5:11: accounts.work.timeout: out of range 0.001-86400 seconds"},
        malformed_case{"timeout_nan", account + "timeout = nan\n",
                       "cfg.toml:5:11: accounts.work.timeout: out of range 0.001-86400 seconds"},
        malformed_case{"timeout_inf", account + "timeout = inf\n",
                       "cfg.toml:5:11: accounts.work.timeout: out of range 0.001-86400 seconds"},
        malformed_case{"max_size_0", account + "max_size = 0\n",
                       "cfg.toml:5:12: accounts.work.max_size: 0 is not a positive size"},
        malformed_case{"max_size_negative", account + "max_size = -5\n",
                       "cfg.toml:5:12: accounts.work.max_size: -5 is not a positive size"},
        malformed_case{"max_size_string_0", account + "max_size = \"0K\"\n",
                       "cfg.toml:5:12: accounts.work.max_size: \"0K\" is not a positive size"},
        malformed_case{"max_size_malformed", account + "max_size = \"5MB\"\n",
                       "cfg.toml:5:12: accounts.work.max_size: \"5MB\" is not a size: digits "
                       "with an optional K, M or G, as \"25M\""},
        malformed_case{"max_size_action_without_max_size", account + "max_size_action = \"warn\"\n",
                       "cfg.toml:5:1: accounts.work.max_size_action: max_size_action without "
                       "max_size"},
        malformed_case{"keep_with_max_size_delete",
                       account + "keep = true\nmax_size = 1\nmax_size_action = \"delete\"\n",
                       "cfg.toml:1:1: accounts.work: keep = true never deletes, but "
                       "max_size_action is \"delete\" (set max_size_action = \"skip\" or "
                       "\"warn\" here)"},
        malformed_case{"keep_with_max_size_delete_from_defaults",
                       "[defaults]\nmax_size_action = \"delete\"\n" + account +
                           "keep = true\nmax_size = \"1K\"\n",
                       "cfg.toml:3:1: accounts.work: keep = true never deletes, but "
                       "max_size_action is \"delete\" (set max_size_action = \"skip\" or "
                       "\"warn\" here)"},
        malformed_case{"pin_malformed", account + "pins = [\"sha256:abcd\"]\n",
                       "cfg.toml:5:9: accounts.work.pins[0]: \"sha256:abcd\" is not a pin: "
                       "sha256: followed by 64 hex digits or 44 base64 characters"},
        malformed_case{"pin_without_prefix",
                       account + "pins = [\"sha256:" + std::string(64, 'a') + "\", \"" +
                           std::string(64, 'b') + "\"]\n",
                       "cfg.toml:5:84: accounts.work.pins[1]: \"" + std::string(64, 'b') +
                           "\" is not a pin: sha256: followed by 64 hex digits or 44 base64 "
                           "characters"},
        // It would be ignored: the other source is used.
        malformed_case{"password_env_with_another_source",
                       account + "password_command = \"pass show x\"\npassword_env = \"PW\"\n",
                       "cfg.toml:6:1: accounts.work.password_env: password_command is also set: "
                       "set at most one of password_command, password_file, password, "
                       "password_env"},
        malformed_case{"password_env_with_equals", account + "password_env = \"A=B\"\n",
                       "cfg.toml:5:16: accounts.work.password_env: \"A=B\" is not a variable "
                       "name: it contains ="},
        malformed_case{"tilde_user_path",
                       "[accounts.work]\nhost = \"h\"\nmaildir = \"~bob/Mail\"\n",
                       "cfg.toml:3:11: accounts.work.maildir: ~user is not expanded: write the "
                       "whole path"}),
    label_of);

INSTANTIATE_TEST_SUITE_P(
    missing_and_conflicting, malformed_file,
    ::testing::Values(
        malformed_case{"no_host", "[defaults]\nuser = \"u\"\n\n[accounts.work]\nmaildir = \"/m\"\n",
                       "cfg.toml:4:1: accounts.work: host is missing"},
        malformed_case{"no_user", "[accounts.work]\nhost = \"h\"\nmaildir = \"/m\"\n",
                       "cfg.toml:1:1: accounts.work: user is missing (only auth = \"external\" "
                       "can do without)"},
        malformed_case{"no_delivery", "[accounts.work]\nhost = \"h\"\nuser = \"u\"\n",
                       "cfg.toml:1:1: accounts.work: no delivery: set one of maildir, mbox, mda"},
        malformed_case{"no_delivery_in_second_account",
                       account + "[accounts.home]\nhost = \"h\"\nuser = \"u\"\n",
                       "cfg.toml:5:1: accounts.home: no delivery: set one of maildir, mbox, "
                       "mda"},
        malformed_case{"two_deliveries", account + "mbox = \"/var/mail/u\"\n",
                       "cfg.toml:5:1: accounts.work.mbox: maildir is also set: set exactly one "
                       "of maildir, mbox, mda"},
        malformed_case{"two_deliveries_in_defaults",
                       "[defaults]\nmda = \"procmail\"\nmaildir = \"/m\"\n" + account,
                       "cfg.toml:3:1: defaults.maildir: mda is also set: set exactly one of "
                       "maildir, mbox, mda"},
        malformed_case{
            "two_password_sources",
            account + "password_command = \"pass x\"\npassword_file = \"/pw\"\n",
            "cfg.toml:6:1: accounts.work.password_file: password_command is also "
            "set: set at most one of password_command, password_file, password, password_env"},
        malformed_case{"cert_without_key", account + "cert = \"/c.pem\"\n",
                       "cfg.toml:5:1: accounts.work.cert: cert without key: set both or neither"},
        malformed_case{"key_without_cert", account + "key = \"/k.pem\"\n",
                       "cfg.toml:5:1: accounts.work.key: key without cert: set both or neither"},
        malformed_case{
            "cert_alone_does_not_take_the_default_key",
            "[defaults]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n" + account + "cert = \"/own.pem\"\n",
            "cfg.toml:8:1: accounts.work.cert: cert without key: set both or "
            "neither"},
        malformed_case{"external_without_certificate",
                       "[accounts.work]\nhost = \"h\"\nauth = \"external\"\nmaildir = \"/m\"\n",
                       "cfg.toml:1:1: accounts.work: auth = \"external\" needs cert and key"}),
    label_of);

// --- passwords never appear in messages ------------------------------------------------------

struct password_case {
  std::string label;
  std::string text;
  unsigned mode;
  std::string expected;
};

std::ostream& operator<<(std::ostream& out, const password_case& c) {
  return out << c.label;
}

class password_in_file : public ::testing::TestWithParam<password_case> {};

TEST_P(password_in_file, is_never_echoed) {
  std::string why;
  auto config = parse_config(GetParam().text, "cfg.toml", GetParam().mode, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::invalid_argument);
  EXPECT_EQ(why, GetParam().expected);
  EXPECT_EQ(why.find("s3cret"), std::string::npos);
  EXPECT_EQ(why.find("hunter"), std::string::npos);
}

std::string password_label(const ::testing::TestParamInfo<password_case>& info) {
  return info.param.label;
}

const std::string refused_password_text =
    "password in a file that others can read: chmod 600 cfg.toml, or use password_command / "
    "password_file";

INSTANTIATE_TEST_SUITE_P(
    messages, password_in_file,
    ::testing::Values(
        password_case{"world_readable", account + "password = \"s3cret\"\n", 0644,
                      "cfg.toml:5:1: accounts.work.password: " + refused_password_text},
        password_case{"group_readable", account + "password = \"s3cret\"\n", 0640,
                      "cfg.toml:5:1: accounts.work.password: " + refused_password_text},
        password_case{"group_writable", account + "password = \"s3cret\"\n", 0620,
                      "cfg.toml:5:1: accounts.work.password: " + refused_password_text},
        password_case{"others_executable", account + "password = \"s3cret\"\n", 0601,
                      "cfg.toml:5:1: accounts.work.password: " + refused_password_text},
        password_case{"in_defaults", "[defaults]\npassword = \"s3cret\"\n" + account, 0604,
                      "cfg.toml:2:1: defaults.password: " + refused_password_text},
        password_case{"wrong_type", account + "password = 123456789\n", 0600,
                      "cfg.toml:5:12: accounts.work.password: expected a string, got an "
                      "integer"},
        password_case{"empty", account + "password = \"\"\n", 0600,
                      "cfg.toml:5:12: accounts.work.password: must not be empty"},
        password_case{"with_a_second_source",
                      account + "password = \"s3cret\"\npassword_command = \"pass x\"\n", 0600,
                      "cfg.toml:6:1: accounts.work.password_command: password is also set: set "
                      "at most one of password_command, password_file, password, password_env"},
        password_case{"misspelt_key", account + "pasword = \"s3cret\"\n", 0600,
                      "cfg.toml:5:1: accounts.work.pasword: unknown key"},
        password_case{"unquoted", account + "password = s3cret\n", 0600,
                      "cfg.toml:5:12: TOML syntax: Error while parsing value: could not "
                      "determine value type"},
        password_case{"unterminated", account + "password = \"s3cret\n", 0600,
                      "cfg.toml:5:19: TOML syntax: Error while parsing string: unescaped "
                      "control characters other than TAB (U+0009) are explicitly prohibited"},
        password_case{"bad_escape", account + "password = \"s3c\\qret\"\n", 0600,
                      "cfg.toml:5:17: TOML syntax: Error while parsing string: unknown escape "
                      "sequence (hidden)"},
        password_case{"text_after_the_value", account + "password = \"hunter2\" s3cret\n", 0600,
                      "cfg.toml:5:22: TOML syntax: Error while parsing key-value pair: "
                      "expected a comment or whitespace, saw (hidden)"},
        password_case{"digits_too_large", account + "password = 123456789012345678901234\n", 0600,
                      "cfg.toml:5:36: TOML syntax: Error while parsing decimal integer: "
                      "(hidden) is not representable in 64 bits"},
        password_case{"multi_line_string", account + "password = \"\"\"s3cret\nhunter\\q\"\"\"\n",
                      0600,
                      "cfg.toml:6:8: TOML syntax: Error while parsing string: unknown escape "
                      "sequence (hidden)"},
        password_case{"quoted_key", account + "\"password\" = \"s3cret\" hunter\n", 0600,
                      "cfg.toml:5:23: TOML syntax: Error while parsing key-value pair: "
                      "expected a comment or whitespace, saw (hidden)"},
        password_case{"inline_table",
                      "[accounts]\nwork = { host = \"h\", password = \"s3cret\\x\" }\n", 0600,
                      "cfg.toml:2:41: TOML syntax: Error while parsing string: escape sequence "
                      "(hidden) is not supported in TOML 1.0.0 and earlier"}),
    password_label);

TEST(syntax_errors, keep_what_toml_saw_when_no_password_is_near) {
  std::string why;
  auto config = parse_config(account + "host2 = \"a\\qb\"\n", "cfg.toml", 0600, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(why,
            "cfg.toml:5:12: TOML syntax: Error while parsing string: unknown escape sequence "
            "'\\q'");
}

TEST(password_rule, accepts_a_password_in_a_private_file) {
  for (unsigned mode : {0600U, 0400U, 0700U, 0000U}) {
    std::string why;
    auto config = parse_config(account + "password = \"s3cret\"\n", "cfg.toml", mode, why);
    ASSERT_TRUE(config.has_value()) << why << " mode " << mode;
    ASSERT_EQ(config->accounts.size(), 1U);
    EXPECT_EQ(config->accounts[0].password.value, "s3cret");
  }
}

TEST(password_rule, applies_only_to_the_password_key) {
  std::string why;
  auto config =
      parse_config(account + "password_command = \"pass show s3cret\"\n", "cfg.toml", 0644, why);
  ASSERT_TRUE(config.has_value()) << why;
  EXPECT_EQ(config->accounts[0].password.command, "pass show s3cret");
}

}  // namespace
}  // namespace pop3::agent
