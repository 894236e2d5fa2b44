// Owning handles for the OpenSSL objects the TLS test support uses, OpenSSL errors as
// exceptions, and PEM conversions. Test code only: every failure throws std::runtime_error.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pop3::test {

template <auto free_function>
struct openssl_deleter {
  template <typename T>
  void operator()(T* object) const {
    free_function(object);
  }
};

using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free_all>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using general_names_ptr = std::unique_ptr<GENERAL_NAMES, openssl_deleter<GENERAL_NAMES_free>>;
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, openssl_deleter<SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, openssl_deleter<SSL_free>>;
using x509_name_ptr = std::unique_ptr<X509_NAME, openssl_deleter<X509_NAME_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;

// Empties this thread's OpenSSL error queue into one line ("" when it was empty).
std::string take_openssl_errors();
// Throws std::runtime_error("WHAT: <OpenSSL's errors>").
[[noreturn]] void throw_openssl_error(std::string_view what);

evp_pkey_ptr generate_ec_p256_key();
std::string private_key_to_pem(EVP_PKEY* key);  // unencrypted PKCS#8
std::string certificate_to_pem(X509* certificate);
evp_pkey_ptr private_key_from_pem(std::string_view pem);
x509_ptr certificate_from_pem(std::string_view pem);
// All certificates in a PEM text (a CA bundle); throws if there is none.
std::vector<x509_ptr> certificates_from_pem(std::string_view pem);

}  // namespace pop3::test
