// sasl_fuzzer: the server-challenge handling of every SASL mechanism of pop3::client
// (src/client/sasl), as authenticate() drives it: initial_response(), respond() to each
// challenge until one fails, then succeeded().
//
// Input: byte 0 chooses the mechanism; byte 1 flags: bit 0 an authorization identity,
// bit 1 a user name that needs SCRAM escaping, bit 2 the challenges are base64 decoded
// with pop3::base64_decode as the session does (else passed raw), bit 3 (SCRAM) the first
// challenge comes from an honest server computed here, bit 4 (with bit 3) the second too —
// corrupted at the offset given by byte 2 if bit 5 is set; then up to six challenges, each
// a length byte and that many bytes.
// Oracles: no crash; a SCRAM client reports success only if the server's final message
// holds "v=" with the signature this file computes on its own from the exchange (RFC 5802
// §3); with the honest server it does succeed, and with a corrupted signature it does not.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/base64.hpp"
#include "sasl/sasl_client.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

constexpr std::string_view client_nonce = "fyko+d2lbbFgONRv9qkxdawL";  // RFC 5802 §5
constexpr std::string_view password = "pencil";
constexpr unsigned max_fuzzed_iterations = 4096;  // PBKDF2 time, not a finding
// The client refuses fewer than 4096 iterations (tested in tests/client/sasl_test.cpp); here
// it accepts any, so that runs past the server's first message stay cheap.
constexpr unsigned fuzzed_min_iterations = 1;

std::optional<std::string_view> attribute(std::string_view message, char key) {
  while (true) {
    const auto comma = message.find(',');
    const auto item = message.substr(0, comma);
    if (item.size() >= 2 && item[0] == key && item[1] == '=') return item.substr(2);
    if (comma == std::string_view::npos) return std::nullopt;
    message.remove_prefix(comma + 1);
  }
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

// The ServerSignature of RFC 5802 §3 for this exchange, or nothing if server_first does not
// carry a usable salt and iteration count.
std::optional<std::string> server_signature(bool sha256, std::string_view client_first_bare,
                                            std::string_view server_first,
                                            std::string_view client_final_without_proof) {
  const EVP_MD* md = sha256 ? EVP_sha256() : EVP_sha1();
  const auto salt64 = attribute(server_first, 's');
  const auto iterations = attribute(server_first, 'i');
  if (!salt64 || !iterations) return std::nullopt;
  const auto salt = base64_decode(*salt64, 1024);
  if (!salt) return std::nullopt;
  const int i = std::stoi(std::string(*iterations));
  std::string salted(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt->data()),
                    static_cast<int>(salt->size()), i, md, static_cast<int>(salted.size()),
                    reinterpret_cast<unsigned char*>(salted.data()));
  const std::string auth_message = std::string(client_first_bare) + "," +
                                   std::string(server_first) + "," +
                                   std::string(client_final_without_proof);
  return hmac(md, hmac(md, salted, "Server Key"), auth_message);
}

// client-first-message-bare: the initial response after the GS2 header ("n,," or "n,a=X,").
std::string_view client_first_bare(std::string_view initial) {
  return initial.substr(initial.find(',', initial.find(',') + 1) + 1);
}

// Skips inputs whose iteration count would make PBKDF2 slow (the client accepts up to 10^6).
bool cheap(std::string_view server_first) {
  const auto i = attribute(server_first, 'i');
  if (!i || i->empty() || i->size() > 7) return true;
  for (const char c : *i)
    if (c < '0' || c > '9') return true;
  return std::stoul(std::string(*i)) <= max_fuzzed_iterations;
}

std::unique_ptr<detail::sasl_client> make(std::uint8_t which, const credentials& who, bool flag) {
  switch (which % 8) {
    case 0:
      return detail::make_plain(who);
    case 1:
      return detail::make_login(who);
    case 2:
      return detail::make_cram_md5(who);
    case 3:
      return detail::make_scram(false, who, std::string(client_nonce), fuzzed_min_iterations);
    case 4:
      return detail::make_scram(true, who, std::string(client_nonce), fuzzed_min_iterations);
    case 5:
      return detail::make_xoauth2(who, flag);
    case 6:
      return detail::make_oauthbearer(who, flag ? "mail.example" : "", flag ? 995 : 0);
    default:
      return detail::make_external(who);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const auto which = static_cast<std::uint8_t>(in.byte() % 8);
  const auto flags = in.byte();
  const auto corrupt_at = in.byte();
  const bool scram = which == 3 || which == 4;
  const bool sha256 = which == 4;

  credentials who;
  who.user = flags & 2 ? "us=er,x" : "user";
  who.secret = std::string(password);
  if (flags & 1) who.authzid = "admin";
  auto client = make(which, who, flags & 2);

  const auto initial = client->initial_response();
  std::vector<std::string> challenges, responses;
  for (int step = 0; step < 6; ++step) {
    std::string challenge;
    if (scram && flags & 8 && step == 0) {
      challenge = "r=" + std::string(client_nonce) +
                  "3rfcNHYJY1ZVvWVs7j,s=" + base64_encode("QSXCR+Q6sek8bf92") + ",i=16";
    } else if (scram && flags & 8 && flags & 16 && step == 1 && responses.size() == 1) {
      const auto& final = responses[0];
      auto signature = server_signature(sha256, client_first_bare(*initial), challenges[0],
                                        final.substr(0, final.find(",p=")));
      if (!signature) __builtin_trap();  // our own server-first is always usable
      if (flags & 32) (*signature)[corrupt_at % signature->size()] ^= 1;
      challenge = "v=" + base64_encode(*signature);
    } else {
      if (in.empty()) break;
      const auto piece = in.piece();
      if (flags & 4) {
        auto decoded = base64_decode(piece, 4096);
        if (!decoded) break;  // the session would cancel the exchange here
        challenge = std::move(*decoded);
      } else {
        challenge = std::string(piece);
      }
    }
    if (scram && step == 0 && !cheap(challenge)) return 0;
    auto response = client->respond(challenge);
    challenges.push_back(std::move(challenge));
    if (!response) break;
    responses.push_back(std::move(*response));
  }
  const bool succeeded = client->succeeded().has_value();
  if (!scram) return 0;

  // Success needs the exchange to have reached the server's final message...
  const bool honest = flags & 8 && flags & 16 && !(flags & 32);
  if (honest && !succeeded) __builtin_trap();
  if (!succeeded) return 0;
  if (responses.size() < 2 || challenges.size() < 2) __builtin_trap();
  // ...whose "v=" is the signature computed here.
  const auto expected = server_signature(sha256, client_first_bare(*initial), challenges[0],
                                         responses[0].substr(0, responses[0].find(",p=")));
  const auto v = attribute(challenges[1], 'v');
  if (!expected || !v) __builtin_trap();
  const auto sent = base64_decode(*v, EVP_MAX_MD_SIZE);
  if (!sent || *sent != *expected) __builtin_trap();
  return 0;
}
