#include "security_fixture.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pop3::test {
namespace {

// ctest runs every TEST as its own process, each with its own CA: files carry the process id,
// and whatever a process created is removed when it ends.
struct created_paths {
  std::vector<std::filesystem::path> paths;
  ~created_paths() {
    std::error_code ignored;
    for (const auto& path : paths)
      std::filesystem::remove_all(path, ignored);
  }
};

created_paths& created() {
  static created_paths instance;
  return instance;
}

}  // namespace

const test_ca& ca() {
  static const test_ca instance;
  return instance;
}

const std::string& ca_file() {
  static const std::string path = [] {
    const std::filesystem::path file = std::filesystem::path(::testing::TempDir()) /
                                       ("pop3_security_ca_" + std::to_string(::getpid()) + ".pem");
    ca().write_ca_pem(file);
    created().paths.push_back(file);
    return file.string();
  }();
  return path;
}

certificate_spec localhost_spec() {
  certificate_spec spec;
  spec.common_name = "localhost";
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  return spec;
}

const key_and_certificate& localhost_identity() {
  static const key_and_certificate identity = ca().issue(localhost_spec());
  return identity;
}

process_result pop3(std::vector<std::string> args, const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), POP3_CLI_PATH);
  return run_process(args, env);
}

tls_run run_against(tls_test_server_options options,
                    const std::function<std::vector<std::string>(std::uint16_t port)>& args,
                    const std::map<std::string, std::string>& env) {
  tls_test_server server(std::move(options));
  tls_run run;
  run.cli = pop3(args(server.port()), env);
  EXPECT_TRUE(server.wait_until_done()) << "the server did not finish";
  run.server = server.record();
  run.connections = server.connections_accepted();
  return run;
}

std::string pop3s_url(std::uint16_t port, const std::string& host, const std::string& user) {
  return "pop3s://" + user + "@" + host + ":" + std::to_string(port);
}

std::string pop3_url(std::uint16_t port, const std::string& host, const std::string& user) {
  return "pop3://" + user + "@" + host + ":" + std::to_string(port);
}

tls_test_server_options stls_server() {
  tls_test_server_options options;
  options.identity = localhost_identity();
  options.start = tls_start::stls;
  options.capabilities_before_tls = {"USER", "SASL PLAIN", "STLS"};
  options.capabilities_after_tls = {"USER", "SASL PLAIN"};
  return options;
}

tls_test_server_options pop3s_server(std::vector<script_step> then) {
  tls_test_server_options options;
  options.identity = localhost_identity();
  options.start = tls_start::implicit;
  options.capabilities_after_tls = {"USER", "SASL PLAIN"};
  options.script_after_tls.push_back(plain_login());
  for (auto& step : then)
    options.script_after_tls.push_back(std::move(step));
  return options;
}

std::string auth_plain_line(const std::string& user, const std::string& password) {
  return "AUTH PLAIN " + base64(std::string(1, '\0') + user + '\0' + password);
}

script_step plain_login() {
  return {auth_plain_line(), "+OK logged in\r\n", {}};
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest MD5 failed");
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

bool mentions(std::string_view text, std::string_view words) {
  return text.find(words) != std::string_view::npos;
}

bool is_escaped_text(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u >= 0x7f) return false;
  }
  return true;
}

std::size_t longest_line(std::string_view text) {
  std::size_t longest = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::size_t length = end == std::string_view::npos ? text.size() : end;
    longest = std::max(longest, length);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return longest;
}

std::filesystem::path scratch_directory() {
  std::string pattern = ::testing::TempDir() + "pop3_security_XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  created().paths.emplace_back(pattern);
  return pattern;
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace pop3::test
