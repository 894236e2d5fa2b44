// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), without channel binding. The server
// must prove that it knows the password (its signature in server-final); a wrong or missing
// signature fails the login even if the server says +OK.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "pop3/base64.hpp"
#include "sasl_client.hpp"

namespace pop3::detail {
namespace {

/// More PBKDF2 iterations than a million would let a hostile server make the client compute
/// for seconds. (The least: scram_min_iterations.)
constexpr unsigned max_iterations = 1'000'000;

/// saslname (RFC 5802 §5.1): "," and "=" escaped.
std::string saslname(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ',')
      out += "=2C";
    else if (c == '=')
      out += "=3D";
    else
      out += c;
  }
  return out;
}

/// The value of attribute `key` in "a=...,b=...": the text after "key=" up to the next ",".
std::optional<std::string_view> attribute(std::string_view message, char key) {
  while (!message.empty()) {
    const std::size_t comma = message.find(',');
    const std::string_view item = message.substr(0, comma);
    if (item.size() >= 2 && item[0] == key && item[1] == '=') return item.substr(2);
    if (comma == std::string_view::npos) break;
    message.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

class scram_client final : public sasl_client {
 public:
  scram_client(bool sha256, const credentials& who, std::string nonce, unsigned min_iterations)
      : sha256_(sha256), who_(who), nonce_(std::move(nonce)), min_iterations_(min_iterations) {
    if (nonce_.empty()) {
      unsigned char random[24];
      // Without randomness the exchange is refused at the server's first message.
      if (RAND_bytes(random, sizeof random) == 1)
        nonce_ = base64_encode(std::string_view(reinterpret_cast<char*>(random), sizeof random));
    }
    gs2_header_ = who_.authzid.empty() ? "n,," : "n,a=" + saslname(who_.authzid) + ",";
    client_first_bare_ = "n=" + saslname(who_.user) + ",r=" + nonce_;
  }

  std::string_view name() const override { return sha256_ ? "SCRAM-SHA-256" : "SCRAM-SHA-1"; }
  std::optional<std::string> initial_response() override {
    return gs2_header_ + client_first_bare_;
  }

  result<std::string> respond(std::string_view challenge) override {
    switch (step_++) {
      case 0:
        return client_final(challenge);
      case 1:
        return verify_server(challenge);
      default:
        return unexpected(errc::malformed_challenge);
    }
  }

  result<void> succeeded() override {
    if (!server_verified_) return unexpected(errc::server_not_authenticated);
    return {};
  }

 private:
  const EVP_MD* digest() const { return sha256_ ? EVP_sha256() : EVP_sha1(); }
  std::size_t digest_size() const { return sha256_ ? 32 : 20; }

  /// HMAC(key, data), or an empty vector if OpenSSL fails (every caller checks: an empty key
  /// or signature must never pass for a computed one).
  std::vector<unsigned char> hmac(const std::vector<unsigned char>& key,
                                  std::string_view data) const {
    std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (HMAC(digest(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
             &size) == nullptr)
      size = 0;
    out.resize(size);
    return out;
  }

  result<std::string> client_final(std::string_view server_first) {
    if (attribute(server_first, 'm')) return unexpected(errc::malformed_challenge);  // unknown
    if (nonce_.empty()) return unexpected(errc::malformed_challenge);  // no random nonce
    const auto nonce = attribute(server_first, 'r');
    const auto salt_text = attribute(server_first, 's');
    const auto iterations_text = attribute(server_first, 'i');
    // The server's nonce extends ours; anything else is a replay or a confused server.
    if (!nonce || !salt_text || !iterations_text || nonce->size() <= nonce_.size() ||
        nonce->substr(0, nonce_.size()) != nonce_)
      return unexpected(errc::malformed_challenge);
    auto salt = base64_decode(*salt_text, 1024);
    unsigned iterations = 0;
    const auto [end, ec] = std::from_chars(
        iterations_text->data(), iterations_text->data() + iterations_text->size(), iterations);
    if (!salt || salt->empty() || ec != std::errc() ||
        end != iterations_text->data() + iterations_text->size() || iterations < min_iterations_ ||
        iterations > max_iterations)
      return unexpected(errc::malformed_challenge);

    // Any OpenSSL failure (a FIPS provider refuses a short salt, for one) cancels the
    // exchange: a key left at zeros would be one an impostor can compute.
    std::vector<unsigned char> salted(digest_size());
    if (PKCS5_PBKDF2_HMAC(who_.secret.data(), static_cast<int>(who_.secret.size()),
                          reinterpret_cast<const unsigned char*>(salt->data()),
                          static_cast<int>(salt->size()), static_cast<int>(iterations), digest(),
                          static_cast<int>(salted.size()), salted.data()) != 1)
      return unexpected(errc::malformed_challenge);
    const auto client_key = hmac(salted, "Client Key");
    std::vector<unsigned char> stored_key(EVP_MAX_MD_SIZE);
    unsigned int stored_size = 0;
    if (client_key.size() != digest_size() ||
        EVP_Digest(client_key.data(), client_key.size(), stored_key.data(), &stored_size, digest(),
                   nullptr) != 1)
      return unexpected(errc::malformed_challenge);
    stored_key.resize(stored_size);

    const std::string without_proof =
        "c=" + base64_encode(gs2_header_) + ",r=" + std::string(*nonce);
    const std::string auth_message =
        client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    const auto client_signature = hmac(stored_key, auth_message);
    std::string proof(client_key.size(), '\0');
    for (std::size_t i = 0; i < proof.size(); ++i)
      proof[i] = static_cast<char>(client_key[i] ^ client_signature[i]);
    const auto server_key = hmac(salted, "Server Key");
    expected_signature_ = hmac(server_key, auth_message);
    if (client_signature.size() != digest_size() || server_key.size() != digest_size() ||
        expected_signature_.size() != digest_size())
      return unexpected(errc::malformed_challenge);
    return without_proof + ",p=" + base64_encode(proof);
  }

  result<std::string> verify_server(std::string_view server_final) {
    const auto signature = attribute(server_final, 'v');
    if (!signature) return unexpected(errc::server_not_authenticated);  // "e=..." or nothing
    auto decoded = base64_decode(*signature, EVP_MAX_MD_SIZE);
    if (!decoded || expected_signature_.empty() || decoded->size() != expected_signature_.size() ||
        CRYPTO_memcmp(decoded->data(), expected_signature_.data(), decoded->size()) != 0)
      return unexpected(errc::server_not_authenticated);
    server_verified_ = true;
    return std::string();  // RFC 5034: an empty response, then +OK
  }

  bool sha256_;
  const credentials& who_;
  std::string nonce_;
  unsigned min_iterations_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::vector<unsigned char> expected_signature_;
  int step_ = 0;
  bool server_verified_ = false;
};

}  // namespace

std::unique_ptr<sasl_client> make_scram(bool sha256, const credentials& who,
                                        std::string client_nonce, unsigned min_iterations) {
  return std::make_unique<scram_client>(sha256, who, std::move(client_nonce),
                                        std::max(min_iterations, 1u));
}

}  // namespace pop3::detail
