// pop3 serverinfo against a scripted TLS server: the RFC 6856 LANG listing, and a greeting with
// terminal escape sequences printed escaped.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "run_process.hpp"
#include "support/test_certificates.hpp"
#include "support/tls_test_server.hpp"

namespace pop3::test {
namespace {

TEST(cli_serverinfo, languages_and_escaped_greeting) {
  test_ca ca;
  const auto ca_file = std::filesystem::temp_directory_path() /
                       ("pop3-serverinfo-ca-" + std::to_string(::getpid()) + ".pem");
  ca.write_ca_pem(ca_file);
  for (bool json : {false, true}) {
    tls_test_server_options o;
    o.identity = ca.issue({{"localhost"}, {}});
    o.greeting = "+OK \x1b[31;1mPOP3\x1b[0m ready\r\n";
    o.capabilities_after_tls = {"USER", "LANG", "UTF8"};
    o.script_after_tls = {
        {"LANG", "+OK Language listing follows\r\nen English\r\nde Deutsch\r\n.\r\n", {}}};
    tls_test_server server(o);
    std::vector<std::string> args = {POP3_CLI_PATH, "serverinfo", "--cafile", ca_file.string(),
                                     "pop3s://localhost:" + std::to_string(server.port())};
    if (json) args.push_back("--json");
    auto r = run_process(args);
    ASSERT_TRUE(server.wait_until_done());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos);  // never a raw escape on the terminal
    if (json) {
      const auto doc = nlohmann::json::parse(r.out);
      EXPECT_EQ(doc["greeting"], "\\x1B[31;1mPOP3\\x1B[0m ready");
      EXPECT_EQ(doc["languages"], (nlohmann::json{"en English", "de Deutsch"}));
    } else {
      EXPECT_NE(r.out.find("greeting:      \\x1B[31;1mPOP3\\x1B[0m ready\n"), std::string::npos)
          << r.out;
      EXPECT_NE(r.out.find("languages (LANG):\n  en English\n  de Deutsch\n"), std::string::npos)
          << r.out;
    }
  }
  std::filesystem::remove(ca_file);
}

}  // namespace
}  // namespace pop3::test
