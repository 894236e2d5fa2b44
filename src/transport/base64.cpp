#include "pop3/base64.hpp"

#include <openssl/evp.h>

namespace pop3 {
namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  if (bytes.empty()) return out;
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

result<std::string> base64_decode(std::string_view text, std::size_t max_decoded) {
  if (text.size() % 4 != 0) return unexpected(errc::invalid_argument);
  const std::size_t padding =
      text.empty() ? 0 : (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  for (std::size_t i = 0; i < text.size() - padding; ++i)
    if (!in_alphabet(text[i])) return unexpected(errc::invalid_argument);
  const std::size_t decoded = text.size() / 4 * 3 - padding;
  if (decoded > max_decoded) return unexpected(errc::invalid_argument);
  std::string out(text.size() / 4 * 3, '\0');
  if (text.empty()) return out;
  // EVP_DecodeBlock keeps the zero bytes that padding stands for; they are cut off below.
  if (EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size())) < 0)
    return unexpected(errc::invalid_argument);
  out.resize(decoded);
  return out;
}

}  // namespace pop3
