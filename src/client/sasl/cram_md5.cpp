// CRAM-MD5 (RFC 2195): the user name and HMAC-MD5(password, challenge) in lower-case hex.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sasl_client.hpp"

namespace pop3::detail {
namespace {

class cram_md5_client final : public sasl_client {
 public:
  explicit cram_md5_client(const credentials& who) : who_(who) {}
  std::string_view name() const override { return "CRAM-MD5"; }
  result<std::string> respond(std::string_view challenge) override {
    if (answered_ || challenge.empty()) return unexpected(errc::malformed_challenge);
    answered_ = true;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_md5(), who_.secret.data(), static_cast<int>(who_.secret.size()),
              reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(), digest,
              &size))
      return unexpected(errc::malformed_challenge);
    static constexpr char hex[] = "0123456789abcdef";
    std::string answer = who_.user + ' ';
    for (unsigned int i = 0; i < size; ++i) {
      answer += hex[digest[i] >> 4];
      answer += hex[digest[i] & 15];
    }
    return answer;
  }

 private:
  const credentials& who_;
  bool answered_ = false;
};

}  // namespace

std::unique_ptr<sasl_client> make_cram_md5(const credentials& who) {
  return std::make_unique<cram_md5_client>(who);
}

}  // namespace pop3::detail
