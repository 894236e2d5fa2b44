#include "support/test_certificates.hpp"

#include <arpa/inet.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <utility>

#include "support/openssl_handles.hpp"

namespace pop3::test {
namespace {

// Serials are random (RFC 5280 asks for unique ones; 64 bits of randomness is what CAs use) so
// that two certificates from one test_ca never look alike to a client's session cache.
void set_random_serial(X509* certificate) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw_openssl_error("RAND_bytes");
  }
  bytes[0] &= 0x7F;  // a positive INTEGER
  bytes[0] |= 0x01;  // and no leading zero octet to be stripped
  const bignum_ptr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) == nullptr) {
    throw_openssl_error("serial number");
  }
}

bool is_valid_utf8(const std::string& text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t at = 0; at < text.size();) {
    unsigned long code_point = 0;
    const int length = UTF8_getc(bytes + at, static_cast<int>(text.size() - at), &code_point);
    if (length <= 0) return false;
    at += static_cast<std::size_t>(length);
  }
  return true;
}

// A string type instead of MBSTRING_UTF8 stores the bytes as they are: no 64-byte upper bound
// for a CN, so tests can make hostile names (NUL, escape sequences, kilobytes). OpenSSL still
// decodes UTF8Strings when it copies a name, so bytes that are not UTF-8 go into a T61String,
// which it reads as Latin-1 (any byte is valid).
x509_name_ptr name_with_common_name(const std::string& common_name) {
  x509_name_ptr name(X509_NAME_new());
  const int type = is_valid_utf8(common_name) ? V_ASN1_UTF8STRING : V_ASN1_T61STRING;
  if (!name ||
      X509_NAME_add_entry_by_NID(name.get(), NID_commonName, type,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    throw_openssl_error("subject name");
  }
  return name;
}

void set_validity(X509* certificate, std::chrono::seconds not_before_offset,
                  std::chrono::seconds not_after_offset) {
  if (X509_gmtime_adj(X509_getm_notBefore(certificate),
                      static_cast<long>(not_before_offset.count())) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate),
                      static_cast<long>(not_after_offset.count())) == nullptr) {
    throw_openssl_error("validity");
  }
}

// Extensions that OpenSSL's own string syntax describes well; the issuer context makes
// "authorityKeyIdentifier = keyid:always" copy the issuer's subjectKeyIdentifier.
void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) throw_openssl_error(std::string("extension ") + OBJ_nid2sn(nid));
  const int added = X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) throw_openssl_error(std::string("adding extension ") + OBJ_nid2sn(nid));
}

void push_name(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) {
    ASN1_STRING_free(value);
    throw_openssl_error("GENERAL_NAME_new");
  }
  GENERAL_NAME_set0_value(name, type, value);
  if (sk_GENERAL_NAME_push(names, name) == 0) {
    GENERAL_NAME_free(name);
    throw_openssl_error("sk_GENERAL_NAME_push");
  }
}

ASN1_STRING* string_of_bytes(ASN1_STRING* string, const void* data, std::size_t size) {
  if (string == nullptr || ASN1_STRING_set(string, data, static_cast<int>(size)) != 1) {
    ASN1_STRING_free(string);
    throw_openssl_error("ASN1_STRING_set");
  }
  return string;
}

// Built by hand rather than from "DNS:..." text, which stops at a NUL: the embedded-NUL case
// needs the NUL inside the IA5String.
void add_subject_alt_names(X509* certificate, const certificate_spec& spec) {
  if (spec.dns_names.empty() && spec.ip_addresses.empty()) return;
  const general_names_ptr names(sk_GENERAL_NAME_new_null());
  if (!names) throw_openssl_error("sk_GENERAL_NAME_new_null");
  for (const std::string& dns : spec.dns_names) {
    push_name(names.get(), GEN_DNS, string_of_bytes(ASN1_IA5STRING_new(), dns.data(), dns.size()));
  }
  for (const std::string& ip : spec.ip_addresses) {
    std::array<unsigned char, 16> address{};
    std::size_t size = 0;
    if (::inet_pton(AF_INET, ip.c_str(), address.data()) == 1) {
      size = 4;
    } else if (::inet_pton(AF_INET6, ip.c_str(), address.data()) == 1) {
      size = 16;
    } else {
      throw std::runtime_error("certificate_spec: not an IP address: '" + ip + "'");
    }
    push_name(names.get(), GEN_IPADD,
              string_of_bytes(ASN1_OCTET_STRING_new(), address.data(), size));
  }
  if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    throw_openssl_error("subjectAltName");
  }
}

enum class role { authority, leaf };

// ISSUER and ISSUER_KEY null: self-signed with SUBJECT_KEY.
x509_ptr make_certificate(EVP_PKEY* subject_key, const certificate_spec& spec, role kind,
                          X509* issuer, EVP_PKEY* issuer_key) {
  x509_ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1) {
    throw_openssl_error("X509_new");
  }
  set_random_serial(certificate.get());
  set_validity(certificate.get(), spec.not_before_offset, spec.not_after_offset);
  const x509_name_ptr subject = name_with_common_name(spec.common_name);
  if (X509_set_subject_name(certificate.get(), subject.get()) != 1 ||
      X509_set_issuer_name(certificate.get(),
                           issuer ? X509_get_subject_name(issuer) : subject.get()) != 1 ||
      X509_set_pubkey(certificate.get(), subject_key) != 1) {
    throw_openssl_error("certificate names or key");
  }

  X509* signer = issuer ? issuer : certificate.get();
  add_extension(certificate.get(), signer, NID_subject_key_identifier, "hash");
  if (kind == role::authority) {
    add_extension(certificate.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(certificate.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(certificate.get(), signer, NID_authority_key_identifier, "keyid:always");
    add_extension(certificate.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(certificate.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_extension(certificate.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
    add_subject_alt_names(certificate.get(), spec);
  }

  if (X509_sign(certificate.get(), issuer_key ? issuer_key : subject_key, EVP_sha256()) == 0) {
    throw_openssl_error("X509_sign");
  }
  return certificate;
}

key_and_certificate to_pem(EVP_PKEY* key, X509* certificate) {
  return {private_key_to_pem(key), certificate_to_pem(certificate)};
}

}  // namespace

test_ca::test_ca(std::string name) {
  const evp_pkey_ptr key = generate_ec_p256_key();
  certificate_spec spec;
  spec.common_name = std::move(name);
  spec.not_after_offset = std::chrono::seconds(86400LL * 3650);
  const x509_ptr certificate = make_certificate(key.get(), spec, role::authority, nullptr, nullptr);
  ca_ = to_pem(key.get(), certificate.get());
}

key_and_certificate test_ca::issue(const certificate_spec& spec) const {
  if (spec.self_signed) return self_signed(spec);
  const evp_pkey_ptr ca_key = private_key_from_pem(ca_.key_pem);
  const x509_ptr ca_certificate = certificate_from_pem(ca_.certificate_pem);
  const evp_pkey_ptr key = generate_ec_p256_key();
  const x509_ptr certificate =
      make_certificate(key.get(), spec, role::leaf, ca_certificate.get(), ca_key.get());
  return to_pem(key.get(), certificate.get());
}

key_and_certificate test_ca::self_signed(const certificate_spec& spec) const {
  const evp_pkey_ptr key = generate_ec_p256_key();
  const x509_ptr certificate = make_certificate(key.get(), spec, role::leaf, nullptr, nullptr);
  return to_pem(key.get(), certificate.get());
}

void test_ca::write_ca_pem(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << ca_.certificate_pem;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace pop3::test
