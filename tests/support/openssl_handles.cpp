#include "support/openssl_handles.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace pop3::test {
namespace {

bio_ptr memory_bio() {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) throw_openssl_error("BIO_new");
  return bio;
}

std::string contents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bio_ptr read_only_bio(std::string_view pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw_openssl_error("BIO_new_mem_buf");
  return bio;
}

}  // namespace

std::string take_openssl_errors() {
  std::string text;
  while (const unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

void throw_openssl_error(std::string_view what) {
  const std::string errors = take_openssl_errors();
  throw std::runtime_error(std::string(what) + ": " +
                           (errors.empty() ? "failed (no OpenSSL error queued)" : errors));
}

evp_pkey_ptr generate_ec_p256_key() {
  evp_pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) throw_openssl_error("EVP_EC_gen(P-256)");
  return key;
}

std::string private_key_to_pem(EVP_PKEY* key) {
  const bio_ptr bio = memory_bio();
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw_openssl_error("PEM_write_bio_PrivateKey");
  }
  return contents(bio.get());
}

std::string certificate_to_pem(X509* certificate) {
  const bio_ptr bio = memory_bio();
  if (PEM_write_bio_X509(bio.get(), certificate) != 1) throw_openssl_error("PEM_write_bio_X509");
  return contents(bio.get());
}

evp_pkey_ptr private_key_from_pem(std::string_view pem) {
  const bio_ptr bio = read_only_bio(pem);
  evp_pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw_openssl_error("PEM_read_bio_PrivateKey");
  return key;
}

x509_ptr certificate_from_pem(std::string_view pem) {
  const bio_ptr bio = read_only_bio(pem);
  x509_ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) throw_openssl_error("PEM_read_bio_X509");
  return certificate;
}

std::vector<x509_ptr> certificates_from_pem(std::string_view pem) {
  const bio_ptr bio = read_only_bio(pem);
  std::vector<x509_ptr> certificates;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(certificate);
  }
  if (certificates.empty()) throw_openssl_error("PEM_read_bio_X509");
  // The loop ends with a "no start line" error for the end of the text: not a failure.
  ERR_clear_error();
  return certificates;
}

}  // namespace pop3::test
